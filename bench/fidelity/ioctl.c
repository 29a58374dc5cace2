#include "common.h"
#include <sys/ioctl.h>
#include <termios.h>
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
    return 0;
}
