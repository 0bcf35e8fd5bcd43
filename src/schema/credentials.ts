/** credentials domain: see the issue that owns it. */
import { builder } from "./builder.ts";

void builder;
