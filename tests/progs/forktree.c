/* Starts 100 short-lived children, each exiting with its index; the parent reaps them all. */
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    for (int i = 0; i < 100; i++) {
        pid_t p = fork();
        if (p == 0) _exit(i);
        if (p < 0) return 1;
    }
    while (wait(NULL) > 0) {}
    return 0;
}
