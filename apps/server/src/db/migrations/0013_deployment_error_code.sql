-- Why a deployment failed, as a code of the error table (packages/contracts/src/errors.ts): the builder's code
-- (CLONE_FAILED, BUILD_FAILED, PUSH_FAILED ...), the agent's (HEALTH_CHECK_FAILED, PULL_FAILED ...), or the
-- control plane's (TIMEOUT, CANCELLED ...). NULL while it has not failed. Text, not an enum type: the table grows
-- with the code, and a code the table lacks is read as UNRECOGNIZED_ERROR.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.
ALTER TABLE deployments ADD COLUMN error_code TEXT;
