import { odsFhirCodeSystems } from "@fhir-facade/ods-core";
import express from "express";
import type { Express, RequestHandler } from "express";

import type { Config } from "./config.js";
import { isTerminologyRequest } from "./fhir/delegation.js";
import { FhirEngine } from "./fhir/engine.js";
import { MemoryOdsRepository } from "./fhir/memory-repository.js";
import type { ReadThroughCache } from "./fhir/read-through.js";
import type { OdsRepository } from "./fhir/repository.js";
import { createFastRead, installBeforeExpress } from "./http/fast-read.js";
import { DEFAULT_COMPRESS_MIN_BYTES, createFhirHandler } from "./http/fhir-router.js";
import type { Platform } from "./platform/platform.js";

export interface AppDeps {
  readonly config: Config;
  /** Clock, injectable for tests. */
  readonly now?: () => Date;
  /**
   * Auth, limits, request logs, metrics, /healthz, /readyz, /metrics (src/platform). main.ts always passes
   * one; tests of FHIR behaviour may leave it out.
   */
  readonly platform?: Platform;
  /** The ODS store (the mirror, through its adapter). Default: an empty in-memory repository. */
  readonly ods?: OdsRepository;
  /** Live ORD read-through for codes the mirror lacks; absent = switched off. */
  readonly readThrough?: ReadThroughCache;
  /** ODS code systems answered locally besides the fixed England ones (default: ods-core's odsFhirCodeSystems()). */
  readonly codeSystems?: readonly fhir4.CodeSystem[];
  /**
   * The terminology gateway (CodeSystem/ValueSet/ConceptMap pass-through), mounted under /fhir after the ODS
   * engine; it receives what the engine delegates (see src/fhir/delegation.ts).
   */
  readonly terminology?: RequestHandler;
  /** FHIR API knobs (defaults: _count 20, max 1000, compress bodies >= 8 KiB, fast read path on). */
  readonly fhir?: {
    readonly countDefault?: number;
    readonly countMax?: number;
    readonly compressMinBytes?: number;
    readonly fastRead?: boolean;
  };
}

const VERSION = "0.1.0";

/** Builds the Express app. No listen, no environment, no globals: main.ts and tests drive it. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  const now = deps.now ?? (() => new Date());
  const repository = deps.ods ?? new MemoryOdsRepository({ now: () => now().getTime() });
  const compressMinBytes = deps.fhir?.compressMinBytes ?? DEFAULT_COMPRESS_MIN_BYTES;
  const engine = new FhirEngine({
    repository,
    // Default: the ODS role, relationship and record class code systems as ods-core reads them.
    codeSystems: deps.codeSystems ?? odsFhirCodeSystems(),
    readThrough: deps.readThrough,
    now,
    version: VERSION,
    terminologyGateway: deps.terminology !== undefined,
    searchLimits: {
      countDefault: deps.fhir?.countDefault ?? 20,
      countMax: deps.fhir?.countMax ?? 1000,
      maxValues: 100,
      maxParams: 50,
      maxValueLength: 1024,
    },
  });
  // First: request id, limits, auth and scopes, rate limit, health and metrics endpoints.
  deps.platform?.install(app);

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  // ODS FHIR API (src/http + src/fhir): metadata, Organization, OrganizationAffiliation, ODS CodeSystems.
  // The Organization read hot path answers first from pre-serialised bytes; everything else goes to the engine.
  // Without the platform both run before Express itself (Express only sees what they decline: delegated
  // terminology requests, other paths); with it, after auth and limits, inside Express.
  const terminology = deps.terminology;
  const onInternalError = (err: unknown): void => {
    deps.platform?.logger.error({ err }, "internal error in the FHIR API (answered 500)");
  };
  const fhirHandler = createFhirHandler({
    engine,
    publicBaseUrl: deps.config.publicBaseUrl,
    compressMinBytes,
    onInternalError,
    ...(terminology === undefined ? {} : { delegate: (r) => isTerminologyRequest(r, engine.codeSystems) }),
  });
  const fastReadOn = deps.fhir?.fastRead !== false;
  if (deps.platform === undefined) {
    installBeforeExpress(app, {
      fastRead: fastReadOn ? createFastRead({ repository, basePath: "/fhir", compressMinBytes }) : undefined,
      fhir: { basePath: "/fhir", handler: fhirHandler },
    });
  } else if (fastReadOn) {
    const fastRead = createFastRead({ repository, basePath: "", compressMinBytes });
    app.use("/fhir", (req, res, next) => {
      fastRead(req, res, () => {
        next();
      });
    });
  }
  app.use("/fhir", fhirHandler);
  // Terminology gateway: CodeSystem/ValueSet/ConceptMap pass-through (what the engine delegates).
  if (terminology !== undefined) {
    app.use("/fhir", terminology);
    // A POSTed $lookup / $validate-code whose ODS system is only in the body: the gateway read the body, found the
    // system local and left it in req.body; the engine answers it.
    app.use(
      "/fhir",
      createFhirHandler({
        engine,
        publicBaseUrl: deps.config.publicBaseUrl,
        compressMinBytes,
        onlyDeclinedByGateway: true,
        onInternalError,
      }),
    );
  }

  // Last: OperationOutcome 404 for unknown paths and the platform errors' handler.
  deps.platform?.installFallback(app);
  return app;
}
