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
  params: serviceParams,
  body: createDomainBody,
  response: serviceDomain,
  status: 201,
  audit: { action: "domain.create", resourceType: "domain" },
  handler: async ({ auth, body, deps, params, change }) =>
    addServiceDomain(deps, projectScope(auth), params.serviceId, body.domain, change),
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
  handler: async ({ auth, deps, params, audit, change }) => {
    audit({ details: { domain: params.domain, service_id: params.serviceId } });
    await removeServiceDomain(deps, projectScope(auth), params.serviceId, params.domain, change);
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
  handler: async ({ auth, deps, params, change }) =>
    verifyServiceDomain(deps, projectScope(auth), params.serviceId, params.domain, change),
});

const putCertificate = defineRoute({
  method: "PUT",
  url: "/api/v1/services/:serviceId/domains/:domain/certificate",
  summary: "Serve a domain with an uploaded PEM certificate and key instead of ACME (the key is stored encrypted)",
  tag: "domains",
  access: { permission: "services:write" },
  params: domainParams,
  body: uploadCertificateBody,
  response: serviceDomain,
  audit: { action: "domain.certificate_upload", resourceType: "domain" },
  handler: async ({ auth, body, deps, params, change }) =>
    setDomainCertificate(deps, projectScope(auth), params.serviceId, params.domain, body, change),
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
  handler: async ({ auth, deps, params, change }) =>
    removeDomainCertificate(deps, projectScope(auth), params.serviceId, params.domain, change),
});

/** Custom domains of services. */
export const domainRoutes = [list, create, remove, verify, putCertificate, deleteCertificate];
