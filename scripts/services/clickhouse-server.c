/*
 * A real ClickHouse HTTP server for the tests of the CLICKHOUSE_URL telemetry store (no ClickHouse >= 21 installs
 * from Debian here). libchdb, the ClickHouse engine inside the `chdb` npm package, runs clickhouse-local's command
 * line; clickhouse-local serves ClickHouse's own HTTP interface while a query of its command line runs. So this
 * starts HTTP listening and then runs a query that sleeps until the process is killed.
 *
 * Usage: clickhouse-server DATA_DIR HTTP_PORT
 */
#include <stdio.h>
#include <stdlib.h>

struct chdb_result;
extern struct chdb_result *chdb_query_cmdline(int argc, char **argv);
extern const char *chdb_result_error(struct chdb_result *result);

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s DATA_DIR HTTP_PORT\n", argv[0]);
    return 2;
  }
  char *args[] = {
      "clickhouse",
      "--path", argv[1],
      "--http_port", argv[2],
      "--listen_host", "127.0.0.1",
      /* One row a second, each sleeping a second: no CPU spent while the server waits for requests. */
      "--query",
      "SYSTEM START LISTEN HTTP; "
      "SELECT sleepEachRow(1) FROM system.numbers SETTINGS max_block_size = 1 FORMAT Null",
  };
  struct chdb_result *result = chdb_query_cmdline((int)(sizeof args / sizeof args[0]), args);
  const char *error = result ? chdb_result_error(result) : "no result";
  if (error && *error) {
    fprintf(stderr, "clickhouse-server: %s\n", error);
    return 1;
  }
  return 0;
}
