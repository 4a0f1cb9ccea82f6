import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServiceStatus } from "@syntra/contracts";
import { AlertMonitor } from "./alerts";

const SERVER = "6f1d7c2e-3f4a-4b5c-8d9e-0a1b2c3d4e5f";
const SERVICE = "0b7f3f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const calm = {
  cpu_usage_percent: 5,
  memory_used_mb: 1000,
  memory_available_mb: 3000,
  disk_used_gb: 10,
  disk_available_gb: 90,
  network_rx_bytes: 0,
  network_tx_bytes: 0,
};
const container = (restart_count: number, health: ServiceStatus["health"] = "healthy"): ServiceStatus => ({
  service_id: SERVICE,
  container_id: "c0ffee",
  status: "running",
  health,
  cpu_percent: 1,
  memory_mb: 10,
  restart_count,
  started_at: new Date().toISOString(),
});

test("a nearly full disk raises one critical alert, repeated only after ten minutes", () => {
  let t = Date.parse("2026-01-01T00:00:00Z");
  const monitor = new AlertMonitor(SERVER, () => new Date(t));
  const full = { ...calm, disk_used_gb: 98, disk_available_gb: 2 };
  const [alert] = monitor.check(full, []);
  assert.equal(alert?.type, "resource_critical");
  assert.equal(alert?.severity, "critical");
  assert.equal(alert?.server_id, SERVER);
  assert.equal(monitor.check(full, []).length, 0);
  t += 11 * 60_000;
  assert.equal(monitor.check(full, []).length, 1);
  assert.equal(monitor.check(calm, []).length, 0);
});

test("three restarts within five minutes is a crash loop", () => {
  let t = 0;
  const monitor = new AlertMonitor(SERVER, () => new Date(t));
  assert.equal(monitor.check(calm, [container(0)]).length, 0);
  t += 60_000;
  assert.equal(monitor.check(calm, [container(2)]).length, 0);
  t += 60_000;
  const [alert] = monitor.check(calm, [container(3)]);
  assert.equal(alert?.type, "container_crash");
  assert.equal(alert?.service_id, SERVICE);
});

test("a health check turning unhealthy alerts once per transition", () => {
  const monitor = new AlertMonitor(SERVER);
  assert.equal(monitor.check(calm, [container(0, "healthy")]).length, 0);
  assert.equal(monitor.check(calm, [container(0, "unhealthy")])[0]?.type, "health_check_failed");
  assert.equal(monitor.check(calm, [container(0, "unhealthy")]).length, 0);
});
