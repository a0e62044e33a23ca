/* The arv executable: a thin shell over the library's command line. */
#include "arv/cli.h"

int main(int argc, char **argv)
{
    return arv_cli_main(argc, argv, &arv_registry_default);
}
