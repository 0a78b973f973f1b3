// The Pulumi program: read and validate the stack config, build the blue/green stack, export outputs.
import { aitbProgram } from "./components/program";

export = aitbProgram();
