export * from "./batch";
export * from "./error-events";
export * from "./examples";
export * from "./health";
export * from "./logs";
export * from "./metrics";
export * from "./scrape";
export * from "./traces";
