/* getpwnam/getgrnam for each "user:NAME" or "group:NAME" argument. Under an nsswitch.conf
 * that lists "ctrace", glibc dlopens libnss_ctrace.so.2 for names missing from /etc/passwd
 * (a static glibc build thereby loads a second libc); musl never reads nsswitch.conf. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "scenario.h"

static void lookup_user(const char *name)
{
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (pw == NULL) {
        printf("user %s: not found (errno %d)\n", name, errno);
        return;
    }
    printf("user %s: uid=%u gid=%u home=%s shell=%s\n", pw->pw_name, (unsigned)pw->pw_uid,
           (unsigned)pw->pw_gid, pw->pw_dir, pw->pw_shell);
}

static void lookup_group(const char *name)
{
    errno = 0;
    struct group *gr = getgrnam(name);
    if (gr == NULL) {
        printf("group %s: not found (errno %d)\n", name, errno);
        return;
    }
    printf("group %s: gid=%u members=", gr->gr_name, (unsigned)gr->gr_gid);
    for (char **m = gr->gr_mem; *m != NULL; m++)
        printf("%s%s", m == gr->gr_mem ? "" : ",", *m);
    printf("\n");
}

int main(int argc, char **argv)
{
    scenario_init();
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "user:", 5) == 0)
            lookup_user(argv[i] + 5);
        else if (strncmp(argv[i], "group:", 6) == 0)
            lookup_group(argv[i] + 6);
        else {
            fprintf(stderr, "usage: %s user:NAME|group:NAME...\n", argv[0]);
            return 2;
        }
    }
    return 0;
}
