/* A program whose file names and output are hostile to a terminal: rich markup ([/x] closes a
   tag never opened: a MarkupError in rich; [bold] would turn bold), an OSC window-title
   sequence, clear-screen, and a newline followed by a fake trace line. argv[1] is the directory
   it creates its files in. HOSTILE_B (a second build) prints other hostile bytes, so a diff has
   an "output differs" finding quoting them. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const names[] = {
    "[/x]",
    "[bold]red",
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "a\n12345 openat(AT_FDCWD, \"/etc/shadow\", O_RDONLY) = 3",
    "\xe2\x80\xae" "evil\xff",  /* right-to-left override, and a byte that is not UTF-8 */
};

int main(int argc, char **argv) {
    char path[4096];
    if (argc < 2 || chdir(argv[1]) != 0)
        return 2;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int fd = open(names[i], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0)
            close(fd);
        snprintf(path, sizeof path, "missing-%s", names[i]);
        open(path, O_RDONLY);  /* fails: an error line quoting the name */
    }
#ifdef HOSTILE_B
    fputs("\x1b[2J[/x] cleared\x1b]0;pwned-b\x07\n", stdout);
#else
    fputs("\x1b]0;pwned\x07[bold]red\x1b[31m not red\n", stdout);
#endif
    return 0;
}
