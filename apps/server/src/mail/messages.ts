import type { MailMessage } from "./transport";

// Templates of Syntra's emails. Values come from users (names, organization names): they are escaped in the
// HTML body and stripped of line breaks in the subject.

/** The password reset email with its one-time link. */
export function passwordResetMail(input: { to: string; link: string; expiresInMinutes: number }): MailMessage {
  const intro = "Someone, hopefully you, asked to reset the password of your Syntra account.";
  const expiry = `The link works once, within ${input.expiresInMinutes} minutes.`;
  const ignore = "If you did not ask for this, ignore this email: your password stays as it is.";
  return {
    to: input.to,
    subject: "Reset your Syntra password",
    text: [intro, "", "Choose a new password here:", input.link, "", expiry, ignore, ""].join("\n"),
    html: layout([
      paragraph(escapeHtml(intro)),
      button(input.link, "Choose a new password"),
      paragraph(`Or open this link: ${link(input.link)}`, true),
      paragraph(`${escapeHtml(expiry)} ${escapeHtml(ignore)}`, true),
    ]),
  };
}

/** An invitation to join an organization, with the link that accepts it. */
export function invitationMail(input: {
  to: string;
  inviter: string;
  orgName: string;
  role: string;
  link: string;
  expiresAt: Date;
}): MailMessage {
  const invited = `${input.inviter} invited you to join ${input.orgName} on Syntra as ${article(input.role)} ${input.role}.`;
  const expiry = `The invitation expires on ${input.expiresAt.toUTCString()}.`;
  return {
    to: input.to,
    subject: oneLine(`${input.inviter} invited you to ${input.orgName} on Syntra`),
    text: [invited, "", "Accept the invitation here:", input.link, "", expiry, ""].join("\n"),
    html: layout([
      paragraph(escapeHtml(invited)),
      button(input.link, "Accept the invitation"),
      paragraph(`Or open this link: ${link(input.link)}`, true),
      paragraph(escapeHtml(expiry), true),
    ]),
  };
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const oneLine = (text: string) => text.replace(/[\r\n\t]+/g, " ").slice(0, 200);
const article = (word: string) => (/^[aeiou]/i.test(word) ? "an" : "a");
const link = (url: string) => `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;

function paragraph(html: string, small = false): string {
  const style = small ? "margin:16px 0;font-size:13px;color:#52525b" : "margin:16px 0";
  return `<p style="${style}">${html}</p>`;
}

function button(url: string, label: string): string {
  return `<p style="margin:24px 0"><a href="${escapeHtml(url)}" style="background:#4f46e5;color:#ffffff;padding:10px 16px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(label)}</a></p>`;
}

function layout(parts: string[]): string {
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:15px;color:#18181b;max-width:560px;margin:0 auto;padding:24px">${parts.join("")}<p style="margin-top:32px;font-size:12px;color:#a1a1aa">Syntra</p></body></html>`;
}
