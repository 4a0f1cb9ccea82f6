import assert from "node:assert/strict";
import { test } from "node:test";
import { servedOverPlainHttp } from "./plain-http";

test("names no public CA issues for are served over plain HTTP; public ones are not", () => {
  for (const name of [
    "localhost",
    "web-shop.localhost",
    "WEB.Localhost.",
    "web-shop-1a2b3c4d.10-0-0-7.sslip.io",
    "x.192-168-1-20.sslip.io",
    "x.172.20.0.1.nip.io",
    "x-127-0-0-1.sslip.io",
  ]) {
    assert.equal(servedOverPlainHttp(name), true, name);
  }
  for (const name of [
    "shop.example.com",
    "web-shop-1a2b3c4d.198-51-100-20.sslip.io",
    "x.172-32-0-1.sslip.io",
    "localhost.example.com",
    "sslip.io",
  ]) {
    assert.equal(servedOverPlainHttp(name), false, name);
  }
});
