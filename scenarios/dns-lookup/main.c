/* getaddrinfo(NAME, NULL, {AF_UNSPEC, SOCK_STREAM}) for each argument. Prints the count and
 * the addresses sorted (IPv4 first, then by value), or the error, so that outputs of different
 * builds can be compared line by line whatever order the resolver returned. */
#define _GNU_SOURCE /* EAI_NODATA and EAI_ADDRFAMILY, glibc extensions */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario.h"

struct address {
    int family;
    unsigned char bytes[16];
};

static int compare(const void *a, const void *b)
{
    const struct address *x = a, *y = b;
    if (x->family != y->family)
        return x->family == AF_INET ? -1 : 1;
    return memcmp(x->bytes, y->bytes, sizeof x->bytes);
}

/* Symbolic names, because gai_strerror texts differ between libcs. */
static const char *gai_name(int rc)
{
    switch (rc) {
    case EAI_NONAME: return "EAI_NONAME";
    case EAI_AGAIN: return "EAI_AGAIN";
    case EAI_FAIL: return "EAI_FAIL";
    case EAI_FAMILY: return "EAI_FAMILY";
    case EAI_SYSTEM: return "EAI_SYSTEM";
#ifdef EAI_NODATA
    case EAI_NODATA: return "EAI_NODATA";
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY: return "EAI_ADDRFAMILY";
#endif
    default: return "EAI_OTHER";
    }
}

static void lookup(const char *name)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0) {
        printf("%s: error %s (%s)\n", name, gai_name(rc), gai_strerror(rc));
        return;
    }
    size_t n = 0;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
        n++;
    struct address *list = calloc(n, sizeof *list);
    if (list == NULL) {
        perror("calloc");
        exit(1);
    }
    size_t i = 0;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next, i++) {
        list[i].family = ai->ai_family;
        if (ai->ai_family == AF_INET)
            memcpy(list[i].bytes, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, 4);
        else if (ai->ai_family == AF_INET6)
            memcpy(list[i].bytes, &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr, 16);
    }
    freeaddrinfo(res);
    qsort(list, n, sizeof *list, compare);
    printf("%s: %zu address%s\n", name, n, n == 1 ? "" : "es");
    for (i = 0; i < n; i++) {
        char text[INET6_ADDRSTRLEN];
        inet_ntop(list[i].family, list[i].bytes, text, sizeof text);
        printf("  %s\n", text);
    }
    free(list);
}

int main(int argc, char **argv)
{
    scenario_init();
    for (int i = 1; i < argc; i++)
        lookup(argv[i]);
    return 0;
}
