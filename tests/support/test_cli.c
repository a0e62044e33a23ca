/* arv's command line over the test model: for CLI tests and the engine
 * benchmark (`arv-test bench tests/fixtures/engine.cfg`). */
#include "arv/cli.h"
#include "test_model.h"

int main(int argc, char **argv)
{
    return arv_cli_main(argc, argv, &arv_test_registry);
}
