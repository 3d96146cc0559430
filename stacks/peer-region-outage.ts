/**
 * A regional stack while the other region is marked unreachable
 * (regions.<peer>.unreachable): what it holds there as its state has it, and
 * what it does not read there (docs/deploy-and-state.md "Deploying the
 * primary while the secondary region is down").
 */
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import type { DbCredentials } from "../src/database/credentials";
import { certificateValidationParameter } from "../src/dns/contract";
import { holdPeerRegion, type PeerRegionHold } from "../src/lib/peer-region";
import type { RegionContext } from "./region-context";

/** What a regional stack does while the other region is marked unreachable. */
export interface PeerRegionOutage extends PeerRegionHold {
  /** Blocks of this region's resources that point there, held as the state has them. */
  readonly blocksHeld: readonly string[];
  /** Reads there that are skipped, and where the value comes from instead. */
  readonly notRead: readonly string[];
  /** Where the peer provider's own STS calls go instead. */
  readonly stsRegion: string;
}

/** What this stack holds in the unreachable peer region, and what it does not read there. */
export function peerRegionOutage(scope: Construct, ctx: RegionContext, peerProvider: AwsProvider, credentials: DbCredentials | undefined): PeerRegionOutage {
  const { config, rc, peer, secretName } = ctx;
  return {
    ...holdPeerRegion(scope, peerProvider, peer.region),
    blocksHeld: credentials ? [`the replica block (${peer.region}) of the credentials secret ${secretName}`] : [],
    notRead:
      config.dns.enabled && !rc.certificateArn
        ? [`the ACM validation record's FQDN the dns-zone stack publishes (SSM ${certificateValidationParameter(config)} in ${peer.region}): taken from this certificate's own domain_validation_options instead`]
        : [],
    stsRegion: rc.region,
  };
}
