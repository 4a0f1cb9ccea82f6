import { type DeviceAuthorization, deviceDecisionBody } from "@syntra/contracts";
import { Terminal } from "lucide-react";
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { Field, invalid } from "../components/field";
import { Notice } from "../components/notice";
import { ErrorNote } from "../components/states";
import { Button } from "../components/ui/button";
import { Input } from "../components/ui/input";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { formValues, useSubmit } from "../lib/form";
import { AuthFrame } from "./auth";

/**
 * /device: where `syn login` sends you. Enter (or arrive with) the code the terminal shows, see which device asks
 * and from where, then approve it (the device receives an API token of yours) or refuse it.
 */
export function DevicePage() {
  const { me } = useAuth();
  const [params] = useSearchParams();
  const [request, setRequest] = useState<DeviceAuthorization | null>(null);
  const [decided, setDecided] = useState<DeviceAuthorization | null>(null);
  const [decisionError, setDecisionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const lookup = useSubmit(deviceDecisionBody, async ({ user_code }) => {
    setRequest(await api.device.get({ userCode: user_code }));
  });
  const initial = params.get("code") ?? "";
  // Arriving with ?code= (the link the terminal printed): look it up at once.
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per code in the link; submit is new each render
  useEffect(() => {
    if (initial) void lookup.submit({ user_code: initial });
  }, [initial]);
  const decide = async (approve: boolean) => {
    if (!request) return;
    setBusy(true);
    setDecisionError(null);
    try {
      const body = { user_code: request.user_code };
      setDecided(approve ? await api.device.approve(body) : await api.device.deny(body));
    } catch (err) {
      setDecisionError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthFrame title="Log in a device" description="Enter the code your terminal shows after syn login.">
      {decided ? (
        <Notice>
          {decided.status === "approved"
            ? `${decided.client_name} is logged in as ${me?.user.email}. You can return to your terminal.`
            : `Refused: ${decided.client_name} was not logged in.`}
        </Notice>
      ) : request ? (
        <div className="flex flex-col gap-4">
          <div className="flex items-start gap-3 rounded-md border border-zinc-200 p-3 text-sm dark:border-zinc-800">
            <Terminal className="mt-0.5 size-4 shrink-0" aria-hidden />
            <div>
              <p className="font-medium">{request.client_name}</p>
              <p className="text-zinc-500">
                Code {request.user_code}
                {request.client_ip ? `, from ${request.client_ip}` : ""}
              </p>
            </div>
          </div>
          {request.status === "pending" ? (
            <>
              <p className="text-sm">
                Approve only if you started this login yourself: the device can then do everything you can, in each of
                your organizations, until you log it out or revoke its token in Settings.
              </p>
              {decisionError != null && <ErrorNote error={decisionError} />}
              <div className="flex gap-2">
                <Button disabled={busy} onClick={() => void decide(true)}>
                  Approve
                </Button>
                <Button variant="secondary" disabled={busy} onClick={() => void decide(false)}>
                  Refuse
                </Button>
              </div>
            </>
          ) : (
            <ErrorNote error={new Error(`This login is ${request.status}; run syn login again for a new code.`)} />
          )}
        </div>
      ) : (
        <form className="flex flex-col gap-4" noValidate onSubmit={(e) => void lookup.submit(formValues(e))}>
          {lookup.formError != null && <ErrorNote error={lookup.formError} />}
          <Field id="user_code" label="Code" error={lookup.errors.user_code}>
            <Input
              defaultValue={initial}
              autoComplete="off"
              autoCapitalize="characters"
              placeholder="BCDF-GHJK"
              {...invalid("user_code", lookup.errors.user_code)}
            />
          </Field>
          <Button type="submit" disabled={lookup.pending}>
            {lookup.pending ? "Looking up…" : "Continue"}
          </Button>
        </form>
      )}
    </AuthFrame>
  );
}
