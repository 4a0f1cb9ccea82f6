import { createDomainBody, domainParams, idParam, serviceDomain, uploadCertificateBody } from "@syntra/contracts";
import { z } from "zod";
import { defineRoute } from "../http/route";
import { projectScope } from "../projects/routes";
import {
  addServiceDomain,
  listServiceDomains,
  removeDomainCertificate,
  removeServiceDomain,
  setDomainCertificate,
  verifyServiceDomain,
} from "./domains";

const serviceParams = idParam("serviceId");

const list = defineRoute({
  method: "GET",
  url: "/api/v1/services/:serviceId/domains",
  summary: "List a service's custom domains with their DNS status",
  tag: "domains",
  access: { permission: "services:read" },
  params: serviceParams,
  response: z.array(serviceDomain),
  handler: async ({ auth, deps, params }) => listServiceDomains(deps, projectScope(auth), params.serviceId),
});

const create = defineRoute({
  method: "POST",
  url: "/api/v1/services/:serviceId/domains",
  summary: "Add a custom domain (pending until its DNS record leads to the service's server)",
  tag: "domains",
  access: { permission: "services:write" },
  errors: ["CONFLICT", "UNPROCESSABLE"],
  params: serviceParams,
  body: createDomainBody,
  response: serviceDomain,
  status: 201,
  audit: { action: "domain.create", resourceType: "domain" },
  handler: async ({ auth, body, deps, params, audit }) => {
    const created = await addServiceDomain(deps, projectScope(auth), params.serviceId, body.domain);
    audit({ resourceId: created.id, details: { domain: created.domain, service_id: created.service_id } });
    return created;
  },
});

const remove = defineRoute({
  method: "DELETE",
  url: "/api/v1/services/:serviceId/domains/:domain",
  summary: "Remove a custom domain",
  tag: "domains",
  access: { permission: "services:write" },
  params: domainParams,
  status: 204,
  audit: { action: "domain.delete", resourceType: "domain" },
  handler: async ({ auth, deps, params, audit }) => {
    await removeServiceDomain(deps, projectScope(auth), params.serviceId, params.domain);
    audit({ details: { domain: params.domain, service_id: params.serviceId } });
    return undefined;
  },
});

const verify = defineRoute({
  method: "POST",
  url: "/api/v1/services/:serviceId/domains/:domain/verify",
  summary: "Check a custom domain's DNS now",
  tag: "domains",
  access: { permission: "services:write" },
  params: domainParams,
  response: serviceDomain,
  audit: { action: "domain.verify", resourceType: "domain" },
  handler: async ({ auth, deps, params, audit }) => {
    const checked = await verifyServiceDomain(deps, projectScope(auth), params.serviceId, params.domain);
    audit({ resourceId: checked.id, details: { domain: checked.domain, status: checked.status } });
    return checked;
  },
});

const putCertificate = defineRoute({
  method: "PUT",
  url: "/api/v1/services/:serviceId/domains/:domain/certificate",
  summary: "Serve a domain with an uploaded PEM certificate and key instead of ACME (the key is stored encrypted)",
  tag: "domains",
  access: { permission: "services:write" },
  errors: ["UNPROCESSABLE"],
  params: domainParams,
  body: uploadCertificateBody,
  response: serviceDomain,
  audit: { action: "domain.certificate_upload", resourceType: "domain" },
  handler: async ({ auth, body, deps, params, audit }) => {
    const updated = await setDomainCertificate(deps, projectScope(auth), params.serviceId, params.domain, body);
    // The issuer and dates only: never the key.
    audit({ resourceId: updated.id, details: { domain: updated.domain, not_after: updated.certificate.not_after } });
    return updated;
  },
});

const deleteCertificate = defineRoute({
  method: "DELETE",
  url: "/api/v1/services/:serviceId/domains/:domain/certificate",
  summary: "Delete a domain's uploaded certificate and go back to ACME",
  tag: "domains",
  access: { permission: "services:write" },
  params: domainParams,
  response: serviceDomain,
  audit: { action: "domain.certificate_delete", resourceType: "domain" },
  handler: async ({ auth, deps, params, audit }) => {
    const updated = await removeDomainCertificate(deps, projectScope(auth), params.serviceId, params.domain);
    audit({ resourceId: updated.id, details: { domain: updated.domain } });
    return updated;
  },
});

/** Custom domains of services. */
export const domainRoutes = [list, create, remove, verify, putCertificate, deleteCertificate];
