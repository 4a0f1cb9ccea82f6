import { z } from "zod";
import { createDomainBody, domainParams, serviceDomain, uploadCertificateBody } from "../domains";
import { idParam } from "../envelope";
import { defineApiRoute } from "../route";

const serviceParams = idParam("serviceId");

/** Custom domains of services and their certificates. */
export const domainRoutes = {
  list: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/domains",
    summary: "List a service's custom domains with their DNS status",
    tag: "domains",
    access: { permission: "services:read" },
    params: serviceParams,
    response: z.array(serviceDomain),
  }),
  add: defineApiRoute({
    method: "POST",
    path: "/api/v1/services/:serviceId/domains",
    summary: "Add a custom domain (pending until its DNS record leads to the service's server)",
    tag: "domains",
    access: { permission: "services:write" },
    params: serviceParams,
    body: createDomainBody,
    response: serviceDomain,
    status: 201,
    errors: ["CONFLICT", "UNPROCESSABLE"],
  }),
  remove: defineApiRoute({
    method: "DELETE",
    path: "/api/v1/services/:serviceId/domains/:domain",
    summary: "Remove a custom domain",
    tag: "domains",
    access: { permission: "services:write" },
    params: domainParams,
    status: 204,
  }),
  verify: defineApiRoute({
    method: "POST",
    path: "/api/v1/services/:serviceId/domains/:domain/verify",
    summary: "Check a custom domain's DNS now",
    tag: "domains",
    access: { permission: "services:write" },
    params: domainParams,
    response: serviceDomain,
  }),
  /** Serves the domain with an uploaded certificate instead of ACME (400 naming what is wrong with it). */
  uploadCertificate: defineApiRoute({
    method: "PUT",
    path: "/api/v1/services/:serviceId/domains/:domain/certificate",
    summary: "Serve a domain with an uploaded PEM certificate and key instead of ACME (the key is stored encrypted)",
    tag: "domains",
    access: { permission: "services:write" },
    params: domainParams,
    body: uploadCertificateBody,
    response: serviceDomain,
    errors: ["UNPROCESSABLE"],
  }),
  /** Deletes the uploaded certificate: ACME again. */
  removeCertificate: defineApiRoute({
    method: "DELETE",
    path: "/api/v1/services/:serviceId/domains/:domain/certificate",
    summary: "Delete a domain's uploaded certificate and go back to ACME",
    tag: "domains",
    access: { permission: "services:write" },
    params: domainParams,
    response: serviceDomain,
  }),
};
