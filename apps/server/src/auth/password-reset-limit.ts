import { LoginRateLimiter } from "./login-rate-limit";

const HOUR_MS = 3_600_000;
// Enough for a person who mistyped or lost a mail, too few to flood someone's inbox or the mail server.
const PER_EMAIL_PER_HOUR = 3;
const PER_CLIENT_PER_HOUR = 20;

/** Limits password reset requests per email address and per client address. In memory, like the login limiter. */
export class PasswordResetLimiter {
  private readonly byEmail: LoginRateLimiter;
  private readonly byClient: LoginRateLimiter;

  constructor(now: () => Date) {
    this.byEmail = new LoginRateLimiter(PER_EMAIL_PER_HOUR, HOUR_MS, now);
    this.byClient = new LoginRateLimiter(PER_CLIENT_PER_HOUR, HOUR_MS, now);
  }

  /** Counts a request and returns 0, or, when over a limit, the seconds to wait (and counts nothing). */
  take(email: string, ip: string): number {
    const wait = Math.max(this.byEmail.retryAfterSeconds([email]), this.byClient.retryAfterSeconds([ip]));
    if (wait > 0) return wait;
    this.byEmail.recordFailure([email]);
    this.byClient.recordFailure([ip]);
    return 0;
  }
}
