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
  handler: async ({ auth, body, deps, params, audit }) => {
    const created = await addServiceDomain(deps, projectScope(auth), params.serviceId, body.domain);
    audit({ resourceId: created.id, details: { domain: created.domain, service_id: created.service_id } });
    return created;
  },
});

const remove = implement(apiRoutes.domains.remove, {
  audit: { action: "domain.delete", resourceType: "domain" },
  handler: async ({ auth, deps, params, audit }) => {
    await removeServiceDomain(deps, projectScope(auth), params.serviceId, params.domain);
    audit({ details: { domain: params.domain, service_id: params.serviceId } });
    return undefined;
  },
});

const verify = implement(apiRoutes.domains.verify, {
  audit: { action: "domain.verify", resourceType: "domain" },
  handler: async ({ auth, deps, params, audit }) => {
    const checked = await verifyServiceDomain(deps, projectScope(auth), params.serviceId, params.domain);
    audit({ resourceId: checked.id, details: { domain: checked.domain, status: checked.status } });
    return checked;
  },
});

const putCertificate = implement(apiRoutes.domains.uploadCertificate, {
  audit: { action: "domain.certificate_upload", resourceType: "domain" },
  handler: async ({ auth, body, deps, params, audit }) => {
    const updated = await setDomainCertificate(deps, projectScope(auth), params.serviceId, params.domain, body);
    // The issuer and dates only: never the key.
    audit({ resourceId: updated.id, details: { domain: updated.domain, not_after: updated.certificate.not_after } });
    return updated;
  },
});

const deleteCertificate = implement(apiRoutes.domains.removeCertificate, {
  audit: { action: "domain.certificate_delete", resourceType: "domain" },
  handler: async ({ auth, deps, params, audit }) => {
    const updated = await removeDomainCertificate(deps, projectScope(auth), params.serviceId, params.domain);
    audit({ resourceId: updated.id, details: { domain: updated.domain } });
    return updated;
  },
});

/** Custom domains of services. */
export const domainRoutes = [list, create, remove, verify, putCertificate, deleteCertificate];
