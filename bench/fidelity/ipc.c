#include "common.h"
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/msg.h>
#include <mqueue.h>
#include <time.h>
#include <signal.h>
#include <sched.h>
int main(void) {
    unshare(CLONE_NEWIPC); /* fresh ids, nothing left behind */
    BEGIN();
    int sid = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    semget(0x1234, 1, 0640);
    semget(IPC_PRIVATE, 1, 0x80000 | 0600);
    struct sembuf ops[2] = {{0, 1, 0}, {1, 0, IPC_NOWAIT}};
    semop(sid, ops, 2);
    semop(sid, NULL, 1);
    semop(-1, ops, 1);
    struct timespec ts = {0, 1000};
    syscall(SYS_semtimedop, sid, ops, 1, &ts);
    syscall(SYS_semtimedop, sid, ops, 1, NULL);
    syscall(SYS_semctl, sid, 0, GETVAL, 0);
    syscall(SYS_semctl, sid, 0, SETVAL, 5);
    syscall(SYS_semctl, sid, 0, IPC_STAT, BAD);
    syscall(SYS_semctl, sid, 0, 99, 0);
    syscall(SYS_semctl, sid, 0, IPC_RMID, 0);
    int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    shmget(IPC_PRIVATE, 1UL << 50, IPC_CREAT | SHM_HUGETLB | 0600);
    void *p = shmat(shm, NULL, SHM_RDONLY);
    shmat(-1, BAD, SHM_RND | 0x10000);
    struct shmid_ds ds;
    shmctl(shm, IPC_STAT, &ds);
    shmctl(shm, IPC_STAT | 0x100, NULL);
    syscall(SYS_shmctl, shm, 0x100 | IPC_RMID, NULL);
    shmctl(shm, 77, &ds);
    shmdt(p);
    shmdt(BAD);
    int mq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    msgget(0x4321, 0);
    struct { long t; char b[8]; } m = {1, "hello"};
    msgsnd(mq, &m, 6, IPC_NOWAIT);
    msgsnd(mq, BAD, 6, 0);
    msgrcv(mq, &m, 8, 0, IPC_NOWAIT | MSG_NOERROR);
    msgrcv(mq, &m, 8, -5, IPC_NOWAIT | 0x4000);
    struct msqid_ds md;
    msgctl(mq, IPC_STAT, &md);
    msgctl(mq, IPC_RMID, NULL);
    msgctl(-1, 12345, NULL);
    struct mq_attr at = {0, 4, 16, 0};
    int q = syscall(SYS_mq_open, "/fidq", O_RDWR | O_CREAT | O_EXCL, 0600, &at);
    syscall(SYS_mq_open, "/nope", O_RDONLY, 0, NULL);
    syscall(SYS_mq_open, BAD, O_RDONLY, 0, NULL);
    syscall(SYS_mq_timedsend, q, "msg", 3, 2, NULL);
    syscall(SYS_mq_timedsend, q, "msg", 3, 2, &ts);
    char buf[32];
    unsigned prio;
    syscall(SYS_mq_timedreceive, q, buf, 32, &prio, &ts);
    syscall(SYS_mq_timedreceive, q, buf, 32, NULL, &ts);
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_SIGNAL; sev.sigev_signo = SIGUSR1;
    syscall(SYS_mq_notify, q, &sev);
    syscall(SYS_mq_notify, q, NULL);
    syscall(SYS_mq_notify, -1, BAD);
    struct mq_attr old;
    syscall(SYS_mq_getsetattr, q, NULL, &old);
    at.mq_flags = O_NONBLOCK;
    syscall(SYS_mq_getsetattr, q, &at, NULL);
    syscall(SYS_mq_getsetattr, q, BAD, NULL);
    syscall(SYS_mq_unlink, "/fidq");
    syscall(SYS_mq_unlink, "/fidq");
    close(q);
    return 0;
}
