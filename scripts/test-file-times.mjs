// A node:test reporter that writes, when the run ends, the slowest test files: the sum of each file's top-level
// tests' durations (its setup inside before() hooks included). scripts/test.sh prints it after each pass, the
// figure to read before reordering or splitting the suite. Plain JavaScript: reporters load before any loader.
const SHOWN = 12;

export default async function* fileTimes(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type === "test:pass" || event.type === "test:fail") && event.data.nesting === 0 && event.data.file) {
      const ms = event.data.details?.duration_ms ?? 0;
      perFile.set(event.data.file, (perFile.get(event.data.file) ?? 0) + ms);
    }
  }
  const slowest = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
  const total = [...perFile.values()].reduce((a, b) => a + b, 0);
  yield `the ${slowest.length} slowest of ${perFile.size} test files (${(total / 1000).toFixed(0)} s of tests in all):\n`;
  for (const [file, ms] of slowest) {
    yield `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${file.replace(`${process.cwd()}/`, "")}\n`;
  }
}
