// And in the browser (Next 15.3+ runs this file before the app's client code).
import { Syntra } from "@syntra/sdk";

Syntra.init({ dsn: process.env.NEXT_PUBLIC_SYNTRA_DSN, release: "next-shop@1.0.0" });
