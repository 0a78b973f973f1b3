import type * as pulumi from "@pulumi/pulumi";
import { StatefulDatabase, type StatefulDatabaseArgs } from "./StatefulDatabase";

export type SqlServerDatabaseArgs = StatefulDatabaseArgs;

/** aitb:sqlServer: the SQL Server database, its backups and its point-in-time restore into a new database. */
export class SqlServerDatabase extends StatefulDatabase {
  constructor(name: string, args: SqlServerDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:SqlServerDatabase", name, args, opts);
  }
}
