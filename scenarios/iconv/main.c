/* Converts a short text from UTF-8 to UTF-16LE and ISO-8859-1 and back. glibc loads a gconv
 * module (a dlopen, a second libc in a static build) for each; musl has them built in.
 * The byte order is explicit (UTF-16LE) because plain "UTF-16" differs between the libcs
 * (glibc: BOM + host order, musl: big endian), and the output must be comparable. */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "scenario.h"

static const char TEXT[] = "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln"; /* "Grüße aus Köln" */

/* Converts len bytes of in; returns the output length, or -1 after printing why. */
static long convert(const char *to, const char *from, const char *in, size_t len, char *out,
                    size_t cap)
{
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1) {
        printf("iconv_open(%s, %s): %s\n", to, from, strerror(errno));
        return -1;
    }
    char *src = (char *)in, *dst = out;
    size_t src_left = len, dst_left = cap;
    if (iconv(cd, &src, &src_left, &dst, &dst_left) == (size_t)-1) {
        printf("iconv %s -> %s: %s\n", from, to, strerror(errno));
        iconv_close(cd);
        return -1;
    }
    iconv_close(cd);
    return (long)(cap - dst_left);
}

static void round_trip(const char *charset)
{
    char encoded[128], decoded[128];
    long n = convert(charset, "UTF-8", TEXT, strlen(TEXT), encoded, sizeof encoded);
    if (n < 0)
        return;
    printf("UTF-8 -> %s: %ld bytes:", charset, n);
    for (long i = 0; i < n; i++)
        printf(" %02x", (unsigned char)encoded[i]);
    printf("\n");
    long m = convert("UTF-8", charset, encoded, (size_t)n, decoded, sizeof decoded - 1);
    if (m < 0)
        return;
    decoded[m] = '\0';
    printf("%s -> UTF-8: %s (%s)\n", charset, decoded,
           strcmp(decoded, TEXT) == 0 ? "identical" : "DIFFERENT");
}

int main(void)
{
    scenario_init();
    round_trip("UTF-16LE");
    round_trip("ISO-8859-1");
    return 0;
}
