/* libnss_ctrace.so.2: a tiny glibc NSS module serving one user and one group, "ctrace"
 * (uid and gid 4242), so the "non-built-in NSS source" path of glibc can be exercised on any
 * machine without installing sssd, LDAP or systemd's modules. */
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>

#define CTRACE_NAME "ctrace"
#define CTRACE_ID 4242

/* Copies src into the caller's buffer; NULL when it does not fit (glibc retries with more). */
static char *stash(const char *src, char **buf, size_t *left)
{
    size_t n = strlen(src) + 1;
    if (n > *left)
        return NULL;
    char *dst = memcpy(*buf, src, n);
    *buf += n;
    *left -= n;
    return dst;
}

static enum nss_status fill_passwd(struct passwd *pw, char *buf, size_t buflen, int *errnop)
{
    pw->pw_name = stash(CTRACE_NAME, &buf, &buflen);
    pw->pw_passwd = stash("x", &buf, &buflen);
    pw->pw_gecos = stash("libctrace NSS module", &buf, &buflen);
    pw->pw_dir = stash("/nonexistent", &buf, &buflen);
    pw->pw_shell = stash("/usr/sbin/nologin", &buf, &buflen);
    if (pw->pw_name == NULL || pw->pw_passwd == NULL || pw->pw_gecos == NULL ||
        pw->pw_dir == NULL || pw->pw_shell == NULL) {
        *errnop = ERANGE;
        return NSS_STATUS_TRYAGAIN;
    }
    pw->pw_uid = CTRACE_ID;
    pw->pw_gid = CTRACE_ID;
    return NSS_STATUS_SUCCESS;
}

static enum nss_status fill_group(struct group *gr, char *buf, size_t buflen, int *errnop)
{
    /* The member list is an array of pointers: align it at the start of the buffer. */
    size_t skip = (sizeof(char *) - (size_t)buf % sizeof(char *)) % sizeof(char *);
    if (buflen < skip + 2 * sizeof(char *)) {
        *errnop = ERANGE;
        return NSS_STATUS_TRYAGAIN;
    }
    char **members = (char **)(void *)(buf + skip);
    buf += skip + 2 * sizeof(char *);
    buflen -= skip + 2 * sizeof(char *);
    gr->gr_name = stash(CTRACE_NAME, &buf, &buflen);
    gr->gr_passwd = stash("x", &buf, &buflen);
    members[0] = stash(CTRACE_NAME, &buf, &buflen);
    members[1] = NULL;
    if (gr->gr_name == NULL || gr->gr_passwd == NULL || members[0] == NULL) {
        *errnop = ERANGE;
        return NSS_STATUS_TRYAGAIN;
    }
    gr->gr_gid = CTRACE_ID;
    gr->gr_mem = members;
    return NSS_STATUS_SUCCESS;
}

static enum nss_status not_found(int *errnop)
{
    *errnop = ENOENT;
    return NSS_STATUS_NOTFOUND;
}

enum nss_status _nss_ctrace_getpwnam_r(const char *name, struct passwd *pw, char *buf,
                                       size_t buflen, int *errnop)
{
    if (strcmp(name, CTRACE_NAME) != 0)
        return not_found(errnop);
    return fill_passwd(pw, buf, buflen, errnop);
}

enum nss_status _nss_ctrace_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t buflen,
                                       int *errnop)
{
    if (uid != CTRACE_ID)
        return not_found(errnop);
    return fill_passwd(pw, buf, buflen, errnop);
}

enum nss_status _nss_ctrace_getgrnam_r(const char *name, struct group *gr, char *buf,
                                       size_t buflen, int *errnop)
{
    if (strcmp(name, CTRACE_NAME) != 0)
        return not_found(errnop);
    return fill_group(gr, buf, buflen, errnop);
}

enum nss_status _nss_ctrace_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t buflen,
                                       int *errnop)
{
    if (gid != CTRACE_ID)
        return not_found(errnop);
    return fill_group(gr, buf, buflen, errnop);
}
