/** Label on every image Syntra builds; pruning never touches an image without it. */
export const MANAGED_LABEL = "dev.syntra.managed";
/** The commit an image was built from. */
export const COMMIT_LABEL = "dev.syntra.commit";
/** The service an image belongs to (the lead passes it in the request's labels). */
export const SERVICE_LABEL = "dev.syntra.service";
