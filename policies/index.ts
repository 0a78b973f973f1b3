import { PolicyPack } from "@pulumi/policy";
import { aitbPolicies } from "./catalog";

new PolicyPack("aitb", { policies: aitbPolicies({ now: () => new Date() }) });
