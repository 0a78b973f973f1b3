import type * as pulumi from "@pulumi/pulumi";
import { StatefulDatabase, type StatefulDatabaseArgs } from "./StatefulDatabase";

export type InfluxDatabaseArgs = StatefulDatabaseArgs;

/** aitb:influxdb: the InfluxDB 1.x database, its portable backups and its restore into a new database. */
export class InfluxDatabase extends StatefulDatabase {
  constructor(name: string, args: InfluxDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:InfluxDatabase", name, args, opts);
  }
}
