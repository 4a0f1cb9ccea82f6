// The two lines a Next.js app adds on the server side.
export { onRequestError, register } from "@syntra/sdk/nextjs";
