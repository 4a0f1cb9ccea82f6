import { apiRoutes } from "@syntra/contracts";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import {
  addServiceDomain,
  listServiceDomains,
  removeDomainCertificate,
  removeServiceDomain,
  setDomainCertificate,
  verifyServiceDomain,
} from "./domains";

const list = implement(apiRoutes.domains.list, {
  handler: async ({ auth, deps, params }) => listServiceDomains(deps, projectScope(auth), params.serviceId),
});

const create = implement(apiRoutes.domains.add, {
  audit: { action: "domain.create", resourceType: "domain" },
  handler: async ({ auth, body, deps, params, change }) =>
    addServiceDomain(deps, projectScope(auth), params.serviceId, body.domain, change),
});

const remove = implement(apiRoutes.domains.remove, {
  audit: { action: "domain.delete", resourceType: "domain" },
  handler: async ({ auth, deps, params, audit, change }) => {
    audit({ details: { domain: params.domain, service_id: params.serviceId } });
    await removeServiceDomain(deps, projectScope(auth), params.serviceId, params.domain, change);
    return undefined;
  },
});

const verify = implement(apiRoutes.domains.verify, {
  audit: { action: "domain.verify", resourceType: "domain" },
  handler: async ({ auth, deps, params, change }) =>
    verifyServiceDomain(deps, projectScope(auth), params.serviceId, params.domain, change),
});

const putCertificate = implement(apiRoutes.domains.uploadCertificate, {
  audit: { action: "domain.certificate_upload", resourceType: "domain" },
  handler: async ({ auth, body, deps, params, change }) =>
    setDomainCertificate(deps, projectScope(auth), params.serviceId, params.domain, body, change),
});

const deleteCertificate = implement(apiRoutes.domains.removeCertificate, {
  audit: { action: "domain.certificate_delete", resourceType: "domain" },
  handler: async ({ auth, deps, params, change }) =>
    removeDomainCertificate(deps, projectScope(auth), params.serviceId, params.domain, change),
});

/** Custom domains of services. */
export const domainRoutes = [list, create, remove, verify, putCertificate, deleteCertificate];
