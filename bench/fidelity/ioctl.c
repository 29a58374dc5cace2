#include "common.h"
#include <sys/ioctl.h>
#include <termios.h>
#include <linux/fs.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/sockios.h>
int main(void) {
    struct termios t;
    struct winsize ws = {24, 80, 0, 0};
    int n = 0;
    BEGIN();
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY);
    unsigned int ptn;
    ioctl(m, TIOCGPTN, &ptn);
    int unlock = 0;
    ioctl(m, TIOCSPTLCK, &unlock);
    ioctl(m, TCGETS, &t);
    ioctl(m, TIOCSWINSZ, &ws);
    ioctl(m, TIOCGWINSZ, &ws);
    ioctl(m, FIONREAD, &n);
    ioctl(m, TIOCGPGRP, &n);
    int one = 1;
    ioctl(m, FIONBIO, &one);
    ioctl(m, FIOCLEX);
    ioctl(m, FIONCLEX);
    close(m);
    int p[2];
    pipe(p);
    write(p[1], "abc", 3);
    ioctl(p[0], FIONREAD, &n);
    ioctl(p[0], TCGETS, &t);
    ioctl(p[0], TIOCGWINSZ, &ws);
    ioctl(p[0], 0xdead, 0);
    ioctl(p[0], _IOR('x', 7, int), &n);
    ioctl(-1, TCGETS, &t);
    ioctl(p[0], FIONREAD, NULL);
    close(p[0]); close(p[1]);
    /* Requests real programs make beyond the terminal: cp's FICLONE, lsattr's flags, ifconfig's ifreq. */
    int f = open("/proc/self/exe", O_RDONLY), g = open("ioctl-clone", O_RDWR | O_CREAT | O_TRUNC, 0600);
    long l = 0;
    unsigned long long ll;
    ioctl(g, FICLONE, f);
    ioctl(g, FICLONERANGE, NULL);
    ioctl(f, FIOASYNC, &n);
    ioctl(f, FIOQSIZE, &ll);
    ioctl(f, FS_IOC_GETFLAGS, &l);
    ioctl(f, FS_IOC_GETFLAGS, BAD);
    ioctl(f, BLKGETSIZE64, &ll);
    unlink("ioctl-clone");
    close(f); close(g);
    int pt = open("/dev/ptmx", O_RDWR | O_NOCTTY);
    ioctl(pt, TCFLSH, TCIFLUSH);
    ioctl(pt, TCFLSH, 7);
    ioctl(pt, TCXONC, TCOON);
    ioctl(pt, TCSBRK, 1);
    ioctl(pt, TIOCSCTTY, 0);
    ioctl(pt, TIOCNOTTY);
    ioctl(pt, TIOCOUTQ, &n);
    ioctl(pt, TIOCEXCL);
    ioctl(pt, TIOCGEXCL, &n);
    ioctl(pt, TIOCNXCL);
    ioctl(pt, TIOCGSID, &n);
    ioctl(pt, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    ioctl(pt, TIOCPKT, &n);
    ioctl(pt, TIOCGETD, &n);
    ioctl(pt, TIOCSETD, &n);
    ioctl(pt, TIOCSIG, 10);
    ioctl(pt, TIOCVHANGUP);
    close(pt);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    ioctl(s, SIOCGIFINDEX, &ifr);
    ioctl(s, SIOCGIFFLAGS, &ifr);
    ioctl(s, SIOCGIFADDR, &ifr);
    ioctl(s, SIOCGIFHWADDR, &ifr);
    ioctl(s, SIOCGIFMTU, &ifr);
    ifr.ifr_ifindex = 1;
    ioctl(s, SIOCGIFNAME, &ifr);
    strcpy(ifr.ifr_name, "nosuchif0");
    ioctl(s, SIOCGIFMTU, &ifr);
    ioctl(s, SIOCGIFINDEX, BAD);
    ioctl(s, FIOSETOWN, &n);
    ioctl(s, FIOGETOWN, &n);
    ioctl(s, SIOCATMARK, &n);
    close(s);
    return 0;
}
