/* For each argument, sets LANG to it ("-" means: LANG unset) and calls setlocale(LC_ALL, ""),
 * then prints the locale obtained, its codeset, a grouped number and a date. glibc looks the
 * name up in /usr/lib/locale (and fails for a locale that is not installed); musl accepts any
 * name and, without MUSL_LOCPATH, behaves as C.UTF-8. */
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <time.h>

#include "scenario.h"

/* The variables that outrank LANG: cleared so that only the argument decides. */
static const char *const OVERRIDES[] = {
    "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES",
};

static void try_locale(const char *lang)
{
    if (lang[0] == '-' && lang[1] == '\0')
        unsetenv("LANG");
    else
        setenv("LANG", lang, 1);
    const char *got = setlocale(LC_ALL, "");
    printf("LANG=%s: setlocale -> %s\n", lang[0] == '-' ? "(unset)" : lang,
           got != NULL ? got : "NULL (failed, locale unchanged)");
    printf("  codeset: %s\n", nl_langinfo(CODESET));
    printf("  number: %'.2f\n", 1234567.891);
    /* A fixed instant in UTC, so the line depends on the locale only. */
    time_t when = 1700000000;
    struct tm tm;
    char text[128];
    gmtime_r(&when, &tm);
    strftime(text, sizeof text, "%c | %A %x", &tm);
    printf("  date: %s\n", text);
}

int main(int argc, char **argv)
{
    scenario_init();
    for (size_t i = 0; i < sizeof OVERRIDES / sizeof OVERRIDES[0]; i++)
        unsetenv(OVERRIDES[i]);
    for (int i = 1; i < argc; i++)
        try_locale(argv[i]);
    return 0;
}
