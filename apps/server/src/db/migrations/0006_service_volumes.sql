-- Volumes of a service: [{ name, container_path, host_path?, read_only }]. Named ones become the Docker volume
-- syntra-<service id>-<name> on the service's server and outlive its containers and the service itself.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.
ALTER TABLE services ADD COLUMN volumes JSONB NOT NULL DEFAULT '[]';
