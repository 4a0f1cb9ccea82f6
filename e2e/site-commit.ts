/** The files of a repository commit whose own Dockerfile serves `text` with busybox httpd (the test base image). */
export function dockerfileSite(text: string, run?: string): Record<string, string> {
  return {
    Dockerfile: [
      "FROM syntra-test/busybox:latest",
      "COPY www /www",
      // A build step of the test's choosing (a slow one, to cancel it mid-build).
      ...(run ? [`RUN ${run}`] : []),
      "EXPOSE 8080",
      'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]',
      "",
    ].join("\n"),
    "www/index.html": text,
    "www/healthz": "ok",
  };
}
