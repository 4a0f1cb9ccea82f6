// The <script> build (dist/syntra.min.js): the browser API as the global `Syntra`.
import { Syntra } from "./index";

(globalThis as { Syntra?: typeof Syntra }).Syntra = Syntra;
