/**
 * The vault of the in-process test gateways (startTestGateway): one for the whole test process, so a
 * test can swap the keys under a running gateway with configureVault. Until a test configures it,
 * it holds the keys of this process's environment, as a gateway started from it would.
 */
import { openVault, vaultOf, VaultKeyError, type Keyring, type Vault } from "../../src/vault/index.ts";

let current: Vault | undefined;
const active = (): Vault => (current ??= vaultFromEnvironment());

function vaultFromEnvironment(): Vault {
  try {
    return openVault(process.env).vault;
  } catch (error) {
    // A malformed key in the environment: the vault is unavailable, saying why.
    if (!(error instanceof VaultKeyError)) throw error;
    return vaultOf(null, error.problems.join("; "));
  }
}

/** Replaces the keyring (a reload after rotating keys); null disables the vault as if no key were set. */
export function configureVault(keyring: Keyring | null): void {
  current = vaultOf(keyring);
}

export const testVault: Vault = {
  requireKeyring: () => active().requireKeyring(),
  currentKeyring: () => active().currentKeyring(),
};
