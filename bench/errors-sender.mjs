// The senders of bench:errors' whole-path phase, in a process of their own so that their HTTP client's CPU is
// not counted as the control plane's. Argv: the endpoint URL, a file of request bodies (one JSON string a line),
// how many requests are in flight at once. Prints "ready", starts on a line from stdin, and prints one JSON line:
// each request's time until answered (ms), and this process's CPU time.
import fs from "node:fs";
import http from "node:http";
import readline from "node:readline";

const [url, file, concurrency] = process.argv.slice(2);
const bodies = fs
  .readFileSync(file, "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line));
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });

function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode}: ${Buffer.concat(chunks)}`)),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

console.log("ready");
await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once("line", resolve));
const cpu0 = process.cpuUsage();
const answered = [];
let next = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const start = performance.now();
      await post(bodies[i]);
      answered.push(performance.now() - start);
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ answered, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
agent.destroy();
process.stdin.destroy();
