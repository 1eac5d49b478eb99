'use strict';

// Drives Yoti's official Node SDKs (`yoti` 4.13.2, `@getyoti/sdk-sandbox` 1.7.0) against the
// yoti-rs emulator binary, method by method, and prints one JSON report on stdout:
//   {"sdk": "node", "steps": {NAME: {"ok": true, ...facts} | {"ok": false, "error": ..}},
//    "lacks": [...], "exported": N}
// Run by tests/tests/compat_sdks.rs with EMULATOR_URL, SDK_ID, KEY_PATH, WRONG_KEY_PATH and
// JPEG_PATH and EXPORT_DIR (where the SDK's JSON fixtures and the JSON its builders produce are copied,
// for the Rust side to parse through yoti-types).

const fs = require('fs');
const path = require('path');
const yoti = require('yoti');
const sandbox = require('@getyoti/sdk-sandbox');

const BASE = process.env.EMULATOR_URL;
const SDK_ID = process.env.SDK_ID;
const PEM = fs.readFileSync(process.env.KEY_PATH, 'utf8');
const WRONG_PEM = fs.readFileSync(process.env.WRONG_KEY_PATH, 'utf8');
const EXPORT_DIR = process.env.EXPORT_DIR;

const steps = {};
// Public IDV methods the Node SDK does not have (the Python suite records its own).
const lacks = [
  'AdvancedIdentityProfileSchemeConfigBuilder: yoti 4.13.2 exports the config class under the builder name (no withFilter/build; `new` it with the filter)',
  'IDVClient: identity_profile_preview / import_token (no builder method, no getter)',
  'GetSessionResult: no getter for identity_profile_preview, advanced_identity_profile_preview, import_token',
];

async function step(name, fn) {
  try {
    const facts = (await fn()) || {};
    steps[name] = { ok: true, ...facts };
  } catch (err) {
    const status = err && typeof err.getResponseStatusCode === 'function'
      ? err.getResponseStatusCode() : undefined;
    steps[name] = { ok: false, error: String(err && (err.stack || err.message || err)), status };
  }
  return steps[name];
}

function must(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
}

function exportJson(name, value) {
  fs.writeFileSync(path.join(EXPORT_DIR, `node-${name}`), JSON.stringify(value, null, 2));
}

async function admin(method, urlPath, body) {
  const res = await fetch(`${BASE}/__emulator${urlPath}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

// A real JPEG (written by the Rust test).
const JPEG = fs.readFileSync(process.env.JPEG_PATH);

function fullSpec() {
  const sdkConfig = new yoti.SdkConfigBuilder()
    .withAllowsCameraAndUpload()
    .withPrimaryColour('#2d9fff')
    .withSecondaryColour('#ffffff')
    .withFontColour('#ffffff')
    .withLocale('en-GB')
    .withPresetIssuingCountry('GBR')
    .withSuccessUrl('https://example.com/success')
    .withErrorUrl('https://example.com/error')
    .withPrivacyPolicyUrl('https://example.com/privacy')
    .withJustInTimeBiometricConsentFlow()
    .withAllowHandoff(true)
    .withIdDocumentTextExtractionGenericRetries(3)
    .withIdDocumentTextExtractionReclassificationRetries(2)
    .withBrandId('brand-1')
    .build();
  const notifications = new yoti.NotificationConfigBuilder()
    .withEndpoint('https://example.com/hook')
    .withAuthToken('token-for-hook')
    .withAuthTypeBearer()
    .forResourceUpdate()
    .forTaskCompletion()
    .forCheckCompletion()
    .forSessionCompletion()
    .build();
  const orthogonal = new yoti.OrthogonalRestrictionsFilterBuilder()
    .withWhitelistedCountries(['GBR', 'FRA'])
    .withBlacklistedDocumentTypes(['NATIONAL_ID'])
    .withAllowExpiredDocuments(false)
    .withAllowNonLatinDocuments(true)
    .build();
  const restrictions = new yoti.DocumentRestrictionsFilterBuilder()
    .forWhitelist()
    .withDocumentRestriction(new yoti.DocumentRestrictionBuilder()
      .withDocumentTypes(['PASSPORT', 'DRIVING_LICENCE'])
      .withCountries(['GBR'])
      .build())
    .withAllowNonLatinDocuments(false)
    .build();
  const caConfig = new yoti.RequestedYotiAccountWatchlistAdvancedCaConfigBuilder()
    .withRemoveDeceased(true)
    .withShareUrl(true)
    .withSources(new yoti.RequestedTypeListSourcesBuilder().withTypes(['pep', 'sanction']).build())
    .withMatchingStrategy(new yoti.RequestedFuzzyMatchingStrategyBuilder().withFuzziness(0.5).build())
    .build();
  return new yoti.SessionSpecificationBuilder()
    .withClientSessionTokenTtl(600)
    .withResourcesTtl(90000)
    .withUserTrackingId('node-compat')
    .withBlockBiometricConsent(false)
    .withNotifications(notifications)
    .withSdkConfig(sdkConfig)
    .withRequestedCheck(new yoti.RequestedDocumentAuthenticityCheckBuilder().withManualCheckNever().build())
    .withRequestedCheck(new yoti.RequestedIdDocumentComparisonCheckBuilder().build())
    .withRequestedCheck(new yoti.RequestedFaceMatchCheckBuilder().withManualCheckFallback().build())
    .withRequestedCheck(new yoti.RequestedLivenessCheckBuilder().forZoomLiveness().withMaxRetries(3).build())
    .withRequestedCheck(new yoti.RequestedFaceComparisonCheckBuilder().withManualCheckNever().build())
    .withRequestedCheck(new yoti.RequestedThirdPartyIdentityCheckBuilder().build())
    .withRequestedCheck(new yoti.RequestedWatchlistScreeningCheckBuilder()
      .withAdverseMediaCategory().withSanctionsCategory().build())
    .withRequestedCheck(new yoti.RequestedWatchlistAdvancedCaCheckBuilder().withConfig(caConfig).build())
    .withRequestedTask(new yoti.RequestedTextExtractionTaskBuilder()
      .withManualCheckFallback().withChipDataDesired().withCreateExpandedDocumentFields(true).build())
    .withRequestedTask(new yoti.RequestedSupplementaryDocTextExtractionTaskBuilder()
      .withManualCheckAlways().build())
    .withRequiredDocument(new yoti.RequiredIdDocumentBuilder().withFilter(orthogonal).build())
    .withRequiredDocument(new yoti.RequiredIdDocumentBuilder().withFilter(restrictions).build())
    .withRequiredDocument(new yoti.RequiredSupplementaryDocumentBuilder()
      .withDocumentTypes(['UTILITY_BILL'])
      .withCountryCodes(['GBR'])
      .withObjective(new yoti.ProofOfAddressObjectiveBuilder().build())
      .build())
    .build();
}

function responseConfig() {
  const approve = () => new sandbox.SandboxRecommendationBuilder().withValue('APPROVE').build();
  const breakdown = new sandbox.SandboxBreakdownBuilder()
    .withSubCheck('security_features').withResult('PASS').build();
  const checks = new sandbox.SandboxCheckReportsBuilder()
    .withDocumentAuthenticityCheck(new sandbox.SandboxDocumentAuthenticityCheckBuilder()
      .withRecommendation(approve()).withBreakdown(breakdown)
      .withDocumentFilter(new sandbox.SandboxDocumentFilterBuilder()
        .withDocumentType('PASSPORT').withCountryCode('GBR').build())
      .build())
    .withDocumentTextDataCheck(new sandbox.SandboxDocumentTextDataCheckBuilder()
      .withRecommendation(approve())
      .withDocumentFields({ full_name: 'Node Compat', date_of_birth: '1980-01-02' })
      .build())
    .withSupplementaryDocTextDataCheck(new sandbox.SandboxSupplementaryDocTextDataCheckBuilder()
      .withRecommendation(approve()).withDocumentField('full_name', 'Node Compat').build())
    .withLivenessCheck(new sandbox.SandboxZoomLivenessCheckBuilder().withRecommendation(approve()).build())
    .withDocumentFaceMatchCheck(new sandbox.SandboxDocumentFaceMatchCheckBuilder()
      .withRecommendation(approve()).build())
    .withIdDocumentComparisonCheck(new sandbox.SandboxIdDocumentComparisonCheckBuilder()
      .withRecommendation(approve()).build())
    .withThirdPartyIdentityCheck(new sandbox.SandboxThirdPartyIdentityCheckBuilder()
      .withRecommendation(approve()).build())
    .withAsyncReportDelay(1)
    .build();
  const reason = new sandbox.SandboxTextDataExtractionReasonBuilder().forQuality().withDetail('blur').build();
  const tasks = new sandbox.SandboxTaskResultsBuilder()
    .withDocumentTextDataExtractionTask(new sandbox.SandboxDocumentTextDataExtractionTaskBuilder()
      .withDocumentField('full_name', 'Node Compat')
      .withDocumentFields({ nationality: 'GBR' })
      .withDocumentIdPhoto('image/jpeg', JPEG)
      .withDetectedCountry('GBR')
      .withRecommendation(new sandbox.SandboxTextDataExtractionRecommendationBuilder()
        .forProgress().build())
      .build())
    .withSupplementaryDocTextDataExtractionTask(
      new sandbox.SandboxSupplementaryDocTextDataExtractionTaskBuilder()
        .withDocumentField('address', '1 Street')
        .withDetectedCountry('GBR')
        .withRecommendation(new sandbox.SandboxTextDataExtractionRecommendationBuilder()
          .forShouldTryAgain().withReason(reason).build())
        .build(),
    )
    .build();
  return new sandbox.SandboxResponseConfigBuilder().withCheckReports(checks).withTaskResults(tasks).build();
}

async function waitCompleted(idv, sessionId) {
  for (let i = 0; i < 100; i += 1) {
    // eslint-disable-next-line no-await-in-loop
    const s = await idv.getSession(sessionId);
    if (s.getState() === 'COMPLETED') return s;
    // eslint-disable-next-line no-await-in-loop
    await sleep(200);
  }
  throw new Error('session never COMPLETED');
}

async function profileSession(idv, name, spec) {
  const created = await idv.createSession(spec);
  const id = created.getSessionId();
  await admin('POST', `/sessions/${id}/simulate-user`, {});
  const s = await waitCompleted(idv, id);
  return { id, s };
}

async function main() {
  const idv = new yoti.IDVClient(SDK_ID, PEM, { apiUrl: `${BASE}/idverify/v1` });
  const sandboxClient = new sandbox.SandboxIDVClientBuilder()
    .withClientSdkId(SDK_ID).withPemString(PEM)
    .withSandboxUrl(`${BASE}/sandbox/idverify/v1`).build();

  await step('getSupportedDocuments', async () => {
    const latin = await idv.getSupportedDocuments(false);
    const all = await idv.getSupportedDocuments(true);
    const count = (r) => r.getSupportedCountries()
      .reduce((n, c) => n + c.getSupportedDocuments().length, 0);
    must(count(latin) > 0, 'documents');
    must(count(all) > count(latin), 'more documents with non-Latin');
    return { latin: count(latin), with_non_latin: count(all) };
  });

  await step('configureApplicationResponse', async () => {
    const config = responseConfig();
    exportJson('builder-response-config.json', config);
    await sandboxClient.configureApplicationResponse(config);
  });

  const spec = fullSpec();
  exportJson('builder-session-spec.json', spec);
  let sessionId;
  await step('createSession', async () => {
    const created = await idv.createSession(spec);
    sessionId = created.getSessionId();
    must(created.getClientSessionToken(), 'a client session token');
    must(created.getClientSessionTokenTtl() > 0, 'a TTL');
    return { session_id: sessionId };
  });

  await step('configureSessionResponse', async () => {
    await sandboxClient.configureSessionResponse(sessionId, responseConfig());
  });

  let faceRequirement;
  await step('getSessionConfiguration', async () => {
    const config = await idv.getSessionConfiguration(sessionId);
    const capture = config.getCapture();
    must(typeof capture.getBiometricConsent() === 'string', 'biometric_consent string');
    must(config.getRequestedChecks().length === 8, 'eight requested checks');
    const ids = capture.getIdDocumentResourceRequirements();
    must(ids.length === 2, 'two ID document requirements');
    must(typeof ids[0].getAllowedCaptureMethods() === 'string', 'allowed_capture_methods');
    must(ids[0].getAttemptsRemaining().GENERIC === 3, 'attempts_remaining.GENERIC');
    must(capture.getSupplementaryResourceRequirements().length === 1, 'a supplementary requirement');
    must(capture.getZoomLivenessResourceRequirements().length === 1, 'a liveness requirement');
    const faces = capture.getFaceCaptureResourceRequirements();
    must(faces.length === 1, 'a face capture requirement');
    faceRequirement = faces[0].getId();
    return { biometric_consent: capture.getBiometricConsent() };
  });

  let faceResource;
  await step('createFaceCaptureResource', async () => {
    const payload = new yoti.CreateFaceCaptureResourcePayloadBuilder()
      .withRequirementId(faceRequirement).build();
    const created = await idv.createFaceCaptureResource(sessionId, payload);
    faceResource = created.getId();
    must(typeof created.getFrames() === 'number', 'frames');
    return { frames: created.getFrames() };
  });

  await step('uploadFaceCaptureImage', async () => {
    const payload = new yoti.UploadFaceCaptureImagePayloadBuilder()
      .forJpegImage().withImageContents(JPEG).build();
    await idv.uploadFaceCaptureImage(sessionId, faceResource, payload);
  });

  await step('simulate-user (emulator admin)', async () => {
    await admin('POST', `/sessions/${sessionId}/simulate-user`, {});
  });

  let result;
  await step('getSession', async () => {
    result = await waitCompleted(idv, sessionId);
    const r = result.getResources();
    const nonEmpty = {
      getChecks: result.getChecks().length,
      getAuthenticityChecks: result.getAuthenticityChecks().length,
      getFaceMatchChecks: result.getFaceMatchChecks().length,
      getIdDocumentTextDataChecks: result.getIdDocumentTextDataChecks().length,
      getTextDataChecks: result.getTextDataChecks().length,
      getSupplementaryDocumentTextDataChecks: result.getSupplementaryDocumentTextDataChecks().length,
      getLivenessChecks: result.getLivenessChecks().length,
      getIdDocumentComparisonChecks: result.getIdDocumentComparisonChecks().length,
      getThirdPartyIdentityChecks: result.getThirdPartyIdentityChecks().length,
      getWatchlistScreeningChecks: result.getWatchlistScreeningChecks().length,
      getWatchlistAdvancedCaChecks: result.getWatchlistAdvancedCaChecks().length,
      getFaceComparisonChecks: result.getFaceComparisonChecks().length,
      getIdDocuments: r.getIdDocuments().length,
      getSupplementaryDocuments: r.getSupplementaryDocuments().length,
      getLivenessCapture: r.getLivenessCapture().length,
      getZoomLivenessResources: r.getZoomLivenessResources().length,
      getFaceCaptureResources: r.getFaceCaptureResources().length,
    };
    const empty = Object.entries(nonEmpty).filter(([, n]) => !(n > 0)).map(([k]) => k);
    must(empty.length === 0, `non-empty getters, empty: ${empty.join(', ')}`);
    must(result.getUserTrackingId() === 'node-compat', 'user_tracking_id');
    must(result.getBiometricConsentTimestamp(), 'biometric consent timestamp');
    const task = r.getIdDocuments()[0].getTextExtractionTasks()[0];
    must(task.getGeneratedTextDataChecks().length === 1, 'a generated text data check');
    must(r.getIdDocuments()[0].getDocumentFields().getMedia().getId(), 'document fields media');
    return { counts: nonEmpty };
  });

  let mediaId;
  await step('getMediaContent', async () => {
    mediaId = result.getResources().getIdDocuments()[0].getDocumentFields().getMedia().getId();
    const media = await idv.getMediaContent(sessionId, mediaId);
    must(media.getMimeType() === 'application/json', 'JSON media');
    const fields = JSON.parse(media.getContent().toString('utf8'));
    must(Object.keys(fields).length > 0, 'document fields');
    return { mime: media.getMimeType() };
  });

  await step('deleteMediaContent', async () => {
    await idv.deleteMediaContent(sessionId, mediaId);
    let status;
    try { await idv.getMediaContent(sessionId, mediaId); } catch (e) { status = e.getResponseStatusCode(); }
    must(status === 404, `404 after delete, got ${status}`);
  });

  await step('getSessionTrackedDevices', async () => {
    const devices = await idv.getSessionTrackedDevices(sessionId);
    must(devices.getDeviceEvents().length > 0, 'tracked device events');
    return { events: devices.getDeviceEvents().length };
  });

  await step('deleteSessionTrackedDevices', async () => {
    await idv.deleteSessionTrackedDevices(sessionId);
    must((await idv.getSessionTrackedDevices(sessionId)).getDeviceEvents().length === 0, 'none left');
  });

  await step('deleteSession', async () => {
    await idv.deleteSession(sessionId);
  });

  await step('getSession after delete is 404', async () => {
    let status;
    try { await idv.getSession(sessionId); } catch (e) { status = e.getResponseStatusCode(); }
    must(status === 404, `404, got ${status}`);
  });

  await step('identity_profile_requirements', async () => {
    const spec2 = new yoti.SessionSpecificationBuilder()
      .withSubject({ subject_id: 'subject-node' })
      .withIdentityProfileRequirements({ trust_framework: 'UK_TFIDA', scheme: { type: 'DBS', objective: 'BASIC' } })
      .build();
    exportJson('builder-session-spec-identity-profile.json', spec2);
    const { s } = await profileSession(idv, 'identity', spec2);
    const profile = s.getIdentityProfile();
    must(profile, 'identity profile');
    must(profile.getSubjectId() === 'subject-node', 'subject id');
    must(profile.getResult() === 'DONE', 'DONE');
    const report = profile.getIdentityProfileReport();
    must(report.getTrustFramework() === 'UK_TFIDA', 'trust framework');
    must(report.getSchemesCompliance().length === 1, 'scheme compliance');
    must(report.getMedia().getId(), 'report media');
    return { result: profile.getResult() };
  });

  await step('advanced_identity_profile_requirements', async () => {
    const scheme = new yoti.AdvancedIdentityProfileSchemeBuilder()
      .withType('RTW').withLabel('label-rtw').build();
    const profile = new yoti.AdvancedIdentityProfileBuilder()
      .withTrustFramework('UK_TFIDA').withScheme(scheme).build();
    const requirements = new yoti.AdvancedIdentityProfileRequirementsBuilder()
      .withProfile(profile).build();
    const spec3 = new yoti.SessionSpecificationBuilder()
      .withSubject({ subject_id: 'subject-node-adv' })
      .withAdvancedIdentityProfileRequirements(requirements)
      .build();
    exportJson('builder-session-spec-advanced-identity-profile.json', spec3);
    const { s } = await profileSession(idv, 'advanced', spec3);
    const adv = s.getAdvancedIdentityProfile();
    must(adv, 'advanced identity profile');
    must(adv.getResult() === 'DONE', 'DONE');
    const compliance = adv.getIdentityProfileReport().getCompliance();
    must(compliance.length === 1, 'compliance per trust framework');
    return { result: adv.getResult() };
  });

  // The builder options the full session does not use, on a second session: created,
  // configured, read back, deleted.
  await step('createSession (builder variants)', async () => {
    const sdkConfig = new yoti.SdkConfigBuilder()
      .withAllowsCamera()
      .withAllowedCaptureMethods('CAMERA')
      .withEarlyBiometricConsentFlow()
      .withBiometricConsentFlow('EARLY')
      .withIdDocumentTextExtractionCategoryRetries('GENERIC', 1)
      .withSuppressedScreens(['ID_DOCUMENT_EDUCATION'])
      .build();
    const notifications = new yoti.NotificationConfigBuilder()
      .withEndpoint('https://example.com/hook').withAuthToken('u:p').withAuthTypeBasic()
      .withTopic('CLIENT_SESSION_TOKEN_DELETED').build();
    const blacklist = new yoti.DocumentRestrictionsFilterBuilder()
      .forBlacklist()
      .withDocumentRestriction(new yoti.DocumentRestrictionBuilder().withDocumentTypes(['NATIONAL_ID']).build())
      .withAllowExpiredDocuments(true)
      .build();
    const orthogonal = new yoti.OrthogonalRestrictionsFilterBuilder()
      .withBlacklistedCountries(['FRA'])
      .withWhitelistedDocumentTypes(['PASSPORT', 'DRIVING_LICENCE'])
      .build();
    const custom = new yoti.RequestedCustomAccountWatchlistAdvancedCaConfigBuilder()
      .withApiKey('ca-key').withMonitoring(true).withTags({ team: 'compat' }).withClientRef('ref-1')
      .withRemoveDeceased(false).withShareUrl(false)
      .withSources(new yoti.RequestedSearchProfileSourcesBuilder().withSearchProfile('profile-1').build())
      .withMatchingStrategy(new yoti.RequestedExactMatchingStrategyBuilder().build())
      .build();
    const spec4 = new yoti.SessionSpecificationBuilder()
      .withSessionDeadline(new Date(Date.now() + 3600 * 1000))
      .withBlockBiometricConsent(true)
      .withSdkConfig(sdkConfig)
      .withNotifications(notifications)
      .withRequestedCheck(new yoti.RequestedDocumentAuthenticityCheckBuilder().withManualCheckAlways().build())
      .withRequestedCheck(new yoti.RequestedFaceMatchCheckBuilder().withManualCheckNever().build())
      .withRequestedCheck(new yoti.RequestedLivenessCheckBuilder().forStaticLiveness().build())
      .withRequestedCheck(new yoti.RequestedWatchlistScreeningCheckBuilder().withCategory('SANCTIONS').build())
      .withRequestedCheck(new yoti.RequestedWatchlistAdvancedCaCheckBuilder().withConfig(custom).build())
      .withRequestedTask(new yoti.RequestedTextExtractionTaskBuilder()
        .withManualCheckNever().withChipDataIgnore().build())
      .withRequestedTask(new yoti.RequestedSupplementaryDocTextExtractionTaskBuilder()
        .withManualCheckFallback().build())
      .withRequiredDocument(new yoti.RequiredIdDocumentBuilder().withFilter(blacklist).build())
      .withRequiredDocument(new yoti.RequiredIdDocumentBuilder().withFilter(orthogonal).build())
      .withRequiredDocument(new yoti.RequiredSupplementaryDocumentBuilder()
        .withObjective(new yoti.ProofOfAddressObjectiveBuilder().build()).build())
      .build();
    exportJson('builder-session-spec-variants.json', spec4);
    const created = await idv.createSession(spec4);
    const id = created.getSessionId();
    const config = await idv.getSessionConfiguration(id);
    const ids = config.getCapture().getIdDocumentResourceRequirements();
    must(ids[0].getAllowedCaptureMethods() === 'CAMERA', 'CAMERA');
    must(config.getCapture().getLivenessResourceRequirements()[0].getLivenessType() === 'STATIC', 'STATIC');
    await idv.deleteSession(id);
    return { requested_checks: config.getRequestedChecks().length };
  });

  await step('advanced_identity_profile_requirements (scheme objective and config)', async () => {
    const filter = new yoti.OrthogonalRestrictionsFilterBuilder().withWhitelistedCountries(['GBR']).build();
    const scheme = new yoti.AdvancedIdentityProfileSchemeBuilder()
      .withType('IDENTITY').withObjective('AL_M1').withLabel('identity')
      // yoti 4.13.2 exports the config class itself under the builder's name.
      .withConfig(new yoti.AdvancedIdentityProfileSchemeConfigBuilder(filter))
      .build();
    const requirements = new yoti.AdvancedIdentityProfileRequirementsBuilder()
      .withProfile(new yoti.AdvancedIdentityProfileBuilder()
        .withTrustFramework('YOTI_GLOBAL').withScheme(scheme).build())
      .build();
    const spec5 = new yoti.SessionSpecificationBuilder()
      .withAdvancedIdentityProfileRequirements(requirements).build();
    exportJson('builder-session-spec-advanced-scheme-config.json', spec5);
    const { s } = await profileSession(idv, 'advanced-config', spec5);
    must(s.getAdvancedIdentityProfile().getResult() === 'DONE', 'DONE');
  });

  await step('wrong key is 401', async () => {
    const wrong = new yoti.IDVClient(SDK_ID, WRONG_PEM, { apiUrl: `${BASE}/idverify/v1` });
    let status;
    try { await wrong.getSupportedDocuments(false); } catch (e) { status = e.getResponseStatusCode(); }
    let sandboxStatus;
    const wrongSandbox = new sandbox.SandboxIDVClientBuilder()
      .withClientSdkId(SDK_ID).withPemString(WRONG_PEM)
      .withSandboxUrl(`${BASE}/sandbox/idverify/v1`).build();
    try {
      await wrongSandbox.configureApplicationResponse(responseConfig());
    } catch (e) { sandboxStatus = e.getResponseStatusCode(); }
    must(status === 401, `IDVService 401, got ${status}`);
    must(sandboxStatus === 401, `sandbox 401, got ${sandboxStatus}`);
  });

  // The JSON fixtures shipped inside the two packages, for the Rust side to parse.
  let exported = 0;
  const roots = [path.dirname(require.resolve('yoti/package.json')),
    path.dirname(require.resolve('@getyoti/sdk-sandbox/package.json'))];
  const walk = (dir, pkg) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'examples') walk(full, pkg);
      } else if (entry.name.endsWith('.json') && !/^package(-lock)?\.json$/.test(entry.name)
        && !entry.name.endsWith('.jsonc')) {
        const rel = path.relative(path.dirname(dir.slice(0, dir.indexOf(pkg) + pkg.length)), full);
        fs.copyFileSync(full, path.join(EXPORT_DIR, `shipped__${rel.replace(/[\\/]/g, '__')}`));
        exported += 1;
      }
    }
  };
  walk(roots[0], 'yoti');
  walk(roots[1], 'sdk-sandbox');

  process.stdout.write(`${JSON.stringify({ sdk: 'node', steps, lacks, exported })}\n`);
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ sdk: 'node', steps, lacks, fatal: String(err && err.stack) })}\n`);
  process.exit(1);
});
