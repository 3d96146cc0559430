/**
 * What the steps of a regional stack (stacks/regional-stack.ts) share: the
 * config of this region and its peer, the stack's providers and data
 * sources, and what the database step hands to the later ones.
 */
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import type { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import type { RegionConfig, RegionRole, ValidConfig } from "../src/config";
import type { AuroraGlobalTier } from "../src/database/aurora-tier";
import type { BackupReplica } from "../src/database/backup-plan";
import type { DbCredentials } from "../src/database/credentials";
import type { DatabaseTier } from "../src/database/database-tier";
import type { regionTopology } from "../src/database/topology";
import type { Naming } from "../src/lib/naming";

/** What every step of a regional stack reads: the config of this region and its peer, and the stack's shared data sources. */
export interface RegionContext {
  readonly config: ValidConfig;
  readonly role: RegionRole;
  readonly rc: RegionConfig;
  readonly naming: Naming;
  readonly tags: Record<string, string>;
  /** The other region of the pair. */
  readonly peer: RegionConfig;
  /** regions.<peer>.unreachable: nothing of this stack may read or write there. */
  readonly peerUnreachable: boolean;
  /** The provider of the other region, created on first use. */
  readonly peerRegion: () => AwsProvider;
  /** The provider of the handoff region (undefined: this stack's own). */
  readonly handoffProvider: () => AwsProvider | undefined;
  readonly account: DataAwsCallerIdentity;
  readonly partition: DataAwsPartition;
  /** The credentials secret's name (the same in both regions). */
  readonly secretName: string;
}

/** The database hosts the web tier connects to. */
export interface DbHosts {
  readonly writer: string;
  readonly reader: string;
}

/** What the database step builds. */
export interface RegionDatabase {
  readonly database: DatabaseTier | AuroraGlobalTier;
  readonly replicatesFrom?: RegionRole;
  readonly backupReplica?: BackupReplica;
  readonly credentials?: DbCredentials;
  readonly dbHosts: DbHosts;
  readonly topology: ReturnType<typeof regionTopology>;
}
