//! `SessionSpec::builder()` and `SessionSpec::validate`: every rule is refused with the right
//! variant and field; a maximal specification builds, and its JSON is pinned.

use serde_json::json;
use yoti_types::ValidationError;
use yoti_types::idv::LivenessType;
use yoti_types::idv::spec::{
    AdvancedIdentityProfile, AdvancedIdentityProfileRequirements, AllowedCaptureMethods,
    AttemptsConfiguration, BiometricConsentFlow, CaAccountType, CaMatchingStrategy, CaSources,
    ChipData, CountryRestriction, DarkMode, DocumentFilter, DocumentRestriction,
    DocumentRestrictionsFilter, DocumentSchemeValidityConfig, IbvOptions, IbvSupport,
    IdDocumentAuthenticityConfig, IdDocumentTextExtractionConfig, IdentityProfileRequirements,
    IdentityProfileScheme, ImportTokenConfig, IssuingAuthoritySubCheck, LivenessConfig,
    ManualCheck, ManualCheckConfig, NotificationAuthType, NotificationConfig, NotificationTopic,
    OrthogonalRestrictionsFilter, RequestedCheck, RequestedTask, RequiredDocument,
    RequiredSupplementaryDocument, SchemeType, SdkConfig, SessionSpec, SessionSpecBuilder, Subject,
    TrustFramework, TypeRestriction, ValidationOptions, WatchlistAdvancedCaConfig,
    WatchlistCategory, WatchlistScreeningConfig,
};

/// A specification using every field and every typed check, task, document and filter kind.
fn maximal() -> SessionSpecBuilder {
    SessionSpec::builder()
        .client_session_token_ttl(900)
        .resources_ttl(90_000)
        .user_tracking_id("user-1234")
        .block_biometric_consent(false)
        .notifications(
            NotificationConfig::new("https://example.com/yoti/updates")
                .topics(NotificationTopic::KNOWN.iter().cloned())
                .auth_token("s3cret")
                .auth_type(NotificationAuthType::Bearer),
        )
        .requested_check(RequestedCheck::id_document_authenticity(
            IdDocumentAuthenticityConfig {
                manual_check: Some(ManualCheck::Fallback),
                issuing_authority_sub_check: Some(IssuingAuthoritySubCheck {
                    requested: true,
                    filter: Some(DocumentFilter::from(DocumentRestrictionsFilter::include([
                        DocumentRestriction::new(["GBR"], ["DRIVING_LICENCE"]),
                    ]))),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ))
        .requested_check(RequestedCheck::id_document_comparison())
        .requested_check(RequestedCheck::id_document_face_match(
            ManualCheck::Fallback,
        ))
        .requested_check(RequestedCheck::liveness(
            LivenessConfig::new(LivenessType::Zoom).max_retries(3),
        ))
        .requested_check(RequestedCheck::face_comparison(ManualCheck::Never))
        .requested_check(RequestedCheck::watchlist_screening(
            WatchlistScreeningConfig {
                categories: vec![
                    WatchlistCategory::AdverseMedia,
                    WatchlistCategory::Sanctions,
                ],
                manual_check: Some(ManualCheck::Never),
                ..Default::default()
            },
        ))
        .requested_check(RequestedCheck::watchlist_advanced_ca(
            WatchlistAdvancedCaConfig {
                account_type: Some(CaAccountType::WithCustomAccount),
                manual_check: Some(ManualCheck::Never),
                remove_deceased: Some(true),
                share_url: Some(true),
                sources: Some(CaSources::type_list(["pep", "fitness-probity", "warning"])),
                matching_strategy: Some(CaMatchingStrategy::fuzzy(0.5)),
                api_key: Some("ca-api-key".into()),
                monitoring: Some(true),
                tags: [("name".to_owned(), "ADVANCED_check".to_owned())].into(),
                client_ref: Some("ww-ref".into()),
                ..Default::default()
            },
        ))
        .requested_check(RequestedCheck::third_party_identity())
        .requested_check(RequestedCheck::IbvVisualReviewCheck {
            config: Some(ManualCheckConfig::new(ManualCheck::Ibv)),
        })
        .requested_check(RequestedCheck::ProfileDocumentMatch {
            config: Some(ManualCheckConfig::new(ManualCheck::Ibv)),
        })
        .requested_check(RequestedCheck::DocumentSchemeValidityCheck {
            config: Some(DocumentSchemeValidityConfig {
                manual_check: Some(ManualCheck::Ibv),
                scheme: Some("UK_DBS".into()),
                ..Default::default()
            }),
        })
        .requested_check(RequestedCheck::other(
            "SOME_FUTURE_CHECK",
            Some(json!({"knob": 1})),
        ))
        .requested_task(RequestedTask::id_document_text_data_extraction(
            IdDocumentTextExtractionConfig::new(ManualCheck::Fallback).chip_data(ChipData::Desired),
        ))
        .requested_task(RequestedTask::supplementary_document_text_data_extraction(
            ManualCheck::Never,
        ))
        .required_document(RequiredDocument::id_document_with_filter(
            OrthogonalRestrictionsFilter {
                country_restriction: Some(CountryRestriction::include(["GBR", "USA"])),
                type_restriction: Some(TypeRestriction::exclude(["NATIONAL_ID"])),
                allow_non_latin_documents: Some(false),
                allow_expired_documents: Some(false),
                ..Default::default()
            },
        ))
        .required_document(RequiredDocument::id_document_with_filter(
            DocumentRestrictionsFilter::include([DocumentRestriction::new(["GBR"], ["PASSPORT"])]),
        ))
        .required_document(RequiredDocument::id_document())
        .required_document(RequiredDocument::SupplementaryDocument(
            RequiredSupplementaryDocument {
                country_codes: Some(vec!["GBR".into()]),
                document_types: Some(vec!["UTILITY_BILL".into()]),
                ..match RequiredDocument::proof_of_address() {
                    RequiredDocument::SupplementaryDocument(d) => d,
                    _ => unreachable!(),
                }
            },
        ))
        .sdk_config(
            SdkConfig::new()
                .allowed_capture_methods(AllowedCaptureMethods::CameraAndUpload)
                .primary_colour("#2d9fff")
                .primary_colour_dark_mode("#fff")
                .secondary_colour("#FFFFFF")
                .font_colour("#000000")
                .dark_mode(DarkMode::Auto)
                .locale("en-GB")
                .preset_issuing_country("GBR")
                .success_url("https://example.com/success")
                .error_url("https://example.com/error")
                .privacy_policy_url("https://example.com/privacy")
                .attempts_configuration(
                    AttemptsConfiguration::default()
                        .id_document_text_data_extraction(AttemptsConfiguration::GENERIC, 3)
                        .id_document_text_data_extraction(
                            AttemptsConfiguration::RECLASSIFICATION,
                            2,
                        ),
                )
                .allow_handoff(true)
                .brand_id("brand-1")
                .biometric_consent_flow(BiometricConsentFlow::JustInTime),
        )
        .subject(Subject::new("subject-1"))
        .import_token(ImportTokenConfig::new(86_400))
        .ibv_options(IbvOptions {
            support: Some(IbvSupport::NotAllowed),
            ..Default::default()
        })
        .create_identity_profile_preview(true)
        .other_field("some_future_field", json!({"on": true}))
}

fn refused(builder: SessionSpecBuilder) -> ValidationError {
    match builder.build() {
        Ok(spec) => panic!("built an invalid specification: {spec:#?}"),
        Err(error) => error,
    }
}

#[test]
fn a_maximal_specification_builds_and_its_json_is_pinned() {
    let spec = maximal().build().unwrap();
    assert!(
        spec.validation_errors(&ValidationOptions::strict())
            .is_empty()
    );
    insta::assert_json_snapshot!("maximal_session_spec", spec);
    // What is sent parses back to the same specification.
    let json = serde_json::to_string(&spec).unwrap();
    assert_eq!(serde_json::from_str::<SessionSpec>(&json).unwrap(), spec);
    // Secrets are sent but not printed.
    assert!(json.contains("s3cret") && json.contains("ca-api-key"));
    let debug = format!("{spec:?}");
    assert!(!debug.contains("s3cret") && !debug.contains("ca-api-key"));
}

#[test]
fn an_identity_profile_specification_builds_and_its_json_is_pinned() {
    // What the maximal specification cannot hold: a deadline instead of a TTL, and identity
    // profile requirements instead of checks, tasks and documents.
    let advanced = SessionSpec::builder()
        .session_deadline(time::macros::datetime!(2030-06-01 23:59:59 UTC))
        .resources_ttl(604_800)
        .advanced_identity_profile_requirements(AdvancedIdentityProfileRequirements {
            profiles: vec![
                AdvancedIdentityProfile {
                    trust_framework: Some(TrustFramework::UkTfida),
                    schemes: vec![IdentityProfileScheme {
                        kind: Some(SchemeType::Rtw),
                        label: Some("LB-RTW".into()),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                AdvancedIdentityProfile {
                    trust_framework: Some(TrustFramework::YotiGlobal),
                    schemes: vec![IdentityProfileScheme {
                        label: Some("LB-IDENTITY".into()),
                        config: Some(json!({"filter": {"type": "DOCUMENT_RESTRICTIONS"}})),
                        ..IdentityProfileScheme::new(SchemeType::Identity, "AL_M1")
                    }],
                    ..Default::default()
                },
            ],
            ..Default::default()
        })
        .subject(Subject::new("subject-1"))
        .create_identity_profile_preview(true)
        .build()
        .unwrap();
    let simple = SessionSpec::builder()
        .identity_profile_requirements(IdentityProfileRequirements::new(
            TrustFramework::UkTfida,
            IdentityProfileScheme::new(SchemeType::Dbs, "STANDARD"),
        ))
        .build()
        .unwrap();
    insta::assert_json_snapshot!("identity_profile_session_specs", [advanced, simple]);
}

#[test]
fn an_empty_specification_is_valid_and_sends_nothing() {
    let spec = SessionSpec::builder().build().unwrap();
    assert_eq!(serde_json::to_value(&spec).unwrap(), json!({}));
}

#[test]
fn session_deadline_excludes_client_session_token_ttl() {
    let error = refused(
        SessionSpec::builder()
            .session_deadline(time::macros::datetime!(2030-01-01 12:00 UTC))
            .client_session_token_ttl(600),
    );
    assert_eq!(
        error,
        ValidationError::MutuallyExclusive {
            field: "session_deadline".into(),
            other: "client_session_token_ttl".into()
        }
    );
    let spec = SessionSpec::builder()
        .session_deadline(time::macros::datetime!(2030-01-01 12:00 UTC))
        .build()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&spec).unwrap(),
        json!({"session_deadline": "2030-01-01T12:00:00Z"})
    );
}

#[test]
fn resources_ttl_has_a_minimum() {
    let error = refused(SessionSpec::builder().resources_ttl(86_699));
    assert!(matches!(&error, ValidationError::OutOfRange { value, .. } if value == "86699"));
    assert_eq!(error.field(), "resources_ttl");
    SessionSpec::builder()
        .resources_ttl(86_700)
        .build()
        .unwrap();
}

#[test]
fn identity_profiles_exclude_checks_tasks_and_documents() {
    let profile = IdentityProfileRequirements::new(
        TrustFramework::UkTfida,
        IdentityProfileScheme::new(SchemeType::Dbs, "STANDARD"),
    );
    let with_profile = || SessionSpec::builder().identity_profile_requirements(profile.clone());
    with_profile().subject(Subject::new("s")).build().unwrap();
    let cases = [
        (
            with_profile().requested_check(RequestedCheck::third_party_identity()),
            "requested_checks",
        ),
        (
            with_profile().requested_task(
                RequestedTask::supplementary_document_text_data_extraction(ManualCheck::Never),
            ),
            "requested_tasks",
        ),
        (
            with_profile().required_document(RequiredDocument::id_document()),
            "required_documents",
        ),
    ];
    for (builder, other) in cases {
        assert_eq!(
            refused(builder),
            ValidationError::MutuallyExclusive {
                field: "identity_profile_requirements".into(),
                other: other.into()
            }
        );
    }
    let advanced = AdvancedIdentityProfileRequirements {
        profiles: vec![AdvancedIdentityProfile {
            trust_framework: Some(TrustFramework::YotiGlobal),
            schemes: vec![IdentityProfileScheme::new(SchemeType::Identity, "AL_M1")],
            ..Default::default()
        }],
        ..Default::default()
    };
    let error = refused(
        SessionSpec::builder()
            .advanced_identity_profile_requirements(advanced)
            .required_document(RequiredDocument::id_document()),
    );
    assert_eq!(
        error,
        ValidationError::MutuallyExclusive {
            field: "advanced_identity_profile_requirements".into(),
            other: "required_documents".into()
        }
    );
}

#[test]
fn colours_must_be_hex() {
    let cases = [
        (
            SdkConfig::new().primary_colour("#12345"),
            "sdk_config.primary_colour",
            "#12345",
        ),
        (
            SdkConfig::new().primary_colour_dark_mode("blue"),
            "sdk_config.primary_colour_dark_mode",
            "blue",
        ),
        (
            SdkConfig::new().secondary_colour("fff"),
            "sdk_config.secondary_colour",
            "fff",
        ),
        (
            SdkConfig::new().font_colour("#ggg"),
            "sdk_config.font_colour",
            "#ggg",
        ),
    ];
    for (config, field, value) in cases {
        let error = refused(SessionSpec::builder().sdk_config(config));
        assert!(
            matches!(&error, ValidationError::Pattern { field: f, value: v, .. } if f == field && v == value),
            "{error:?}"
        );
    }
    SessionSpec::builder()
        .sdk_config(
            SdkConfig::new()
                .primary_colour("#abc")
                .font_colour("#A1B2C3"),
        )
        .build()
        .unwrap();
}

#[test]
fn locale_must_not_be_blank() {
    for blank in ["", "  ", "\t\n"] {
        let error = refused(SessionSpec::builder().sdk_config(SdkConfig::new().locale(blank)));
        assert_eq!(
            error,
            ValidationError::Empty {
                field: "sdk_config.locale".into()
            }
        );
    }
}

#[test]
fn notification_endpoint_must_be_https_except_loopback_for_an_emulator() {
    let with = |url: &str| SessionSpec::builder().notifications(NotificationConfig::new(url));
    let error = refused(with("http://example.com/hook"));
    assert_eq!(
        error,
        ValidationError::InsecureUrl {
            field: "notifications.endpoint".into(),
            url: "http://example.com/hook".into()
        }
    );
    // Loopback http: refused by default, allowed for a client pointed at a loopback emulator.
    for loopback in [
        "http://127.0.0.1:8080/hook",
        "http://[::1]:9000/",
        "http://localhost/x",
    ] {
        assert!(
            matches!(refused(with(loopback)), ValidationError::InsecureUrl { .. }),
            "{loopback}"
        );
        with(loopback)
            .build_with(&ValidationOptions::loopback_emulator())
            .unwrap();
        with(loopback)
            .build_with(&ValidationOptions {
                allow_loopback_http: true,
            })
            .unwrap();
    }
    // Never for another host.
    for remote in [
        "http://example.com",
        "http://localhost.example.com",
        "http://192.168.1.1",
    ] {
        let error = with(remote)
            .build_with(&ValidationOptions::loopback_emulator())
            .unwrap_err();
        assert!(
            matches!(error, ValidationError::InsecureUrl { .. }),
            "{remote}"
        );
    }
    assert_eq!(
        refused(with("")),
        ValidationError::Empty {
            field: "notifications.endpoint".into()
        }
    );
}

#[test]
fn filters_that_match_no_document_are_refused() {
    let orthogonal = |filter: OrthogonalRestrictionsFilter| {
        SessionSpec::builder().required_document(RequiredDocument::id_document_with_filter(filter))
    };
    let error = refused(orthogonal(OrthogonalRestrictionsFilter {
        country_restriction: Some(CountryRestriction::include(Vec::<String>::new())),
        ..Default::default()
    }));
    assert!(matches!(error, ValidationError::EmptyFilter { .. }));
    assert_eq!(
        error.field(),
        "required_documents[0].filter.country_restriction.country_codes"
    );

    let error = refused(orthogonal(OrthogonalRestrictionsFilter {
        type_restriction: Some(TypeRestriction::include(Vec::<String>::new())),
        ..Default::default()
    }));
    assert_eq!(
        error.field(),
        "required_documents[0].filter.type_restriction.document_types"
    );

    // Excluding nothing allows everything.
    orthogonal(OrthogonalRestrictionsFilter {
        country_restriction: Some(CountryRestriction::exclude(Vec::<String>::new())),
        ..Default::default()
    })
    .build()
    .unwrap();

    let restricted = |filter: DocumentRestrictionsFilter| {
        SessionSpec::builder()
            .required_document(RequiredDocument::id_document())
            .required_document(RequiredDocument::id_document_with_filter(filter))
    };
    let error = refused(restricted(DocumentRestrictionsFilter::include([])));
    assert!(matches!(error, ValidationError::EmptyFilter { .. }));
    assert_eq!(error.field(), "required_documents[1].filter.documents");
    let error = refused(restricted(DocumentRestrictionsFilter::include([
        DocumentRestriction::new(Vec::<String>::new(), ["PASSPORT"]),
        DocumentRestriction::new(["GBR"], Vec::<String>::new()),
    ])));
    assert_eq!(error.field(), "required_documents[1].filter.documents");
    // One usable entry is enough; an absent list means "any".
    restricted(DocumentRestrictionsFilter::include([
        DocumentRestriction::new(Vec::<String>::new(), ["PASSPORT"]),
        DocumentRestriction {
            country_codes: Some(vec!["GBR".into()]),
            ..Default::default()
        },
    ]))
    .build()
    .unwrap();
    restricted(DocumentRestrictionsFilter::exclude([]))
        .build()
        .unwrap();

    let error = refused(SessionSpec::builder().required_document(
        RequiredDocument::SupplementaryDocument(RequiredSupplementaryDocument {
            document_types: Some(Vec::new()),
            ..Default::default()
        }),
    ));
    assert_eq!(error.field(), "required_documents[0].document_types");

    let error = refused(SessionSpec::builder().requested_check(
        RequestedCheck::id_document_authenticity(IdDocumentAuthenticityConfig {
            issuing_authority_sub_check: Some(IssuingAuthoritySubCheck {
                requested: true,
                filter: Some(DocumentRestrictionsFilter::include([]).into()),
                ..Default::default()
            }),
            ..Default::default()
        }),
    ));
    assert_eq!(
        error.field(),
        "requested_checks[0].config.issuing_authority_sub_check.filter.documents"
    );
}

#[test]
fn a_specification_read_from_json_is_validated_the_same_way() {
    let spec: SessionSpec = serde_json::from_value(json!({
        "session_deadline": "2030-01-01T00:00:00Z",
        "client_session_token_ttl": "600",
        "resources_ttl": 1000,
        "notifications": {"endpoint": "http://127.0.0.1:9/hook", "topics": ["SESSION_COMPLETION"]},
        "sdk_config": {"primary_colour": "red", "locale": " ", "allowed_capture_methods": "camera"},
        "required_documents": [{
            "type": "ID_DOCUMENT",
            "filter": {
                "type": "ORTHOGONAL_RESTRICTIONS",
                "country_restriction": {"inclusion": "whitelist", "country_codes": []},
                "type_restriction": {"inclusion": "sometimes", "document_types": ["PASSPORT"]}
            }
        }]
    }))
    .unwrap();
    // Lenient input: numeric strings, lower-case enums, deprecated aliases.
    assert_eq!(spec.client_session_token_ttl, Some(600));
    assert_eq!(
        spec.sdk_config.as_ref().unwrap().allowed_capture_methods,
        Some(AllowedCaptureMethods::Camera)
    );
    let fields: Vec<String> = spec
        .validation_errors(&ValidationOptions::strict())
        .iter()
        .map(|e| e.field().to_owned())
        .collect();
    assert_eq!(
        fields,
        [
            "session_deadline",
            "resources_ttl",
            "sdk_config.primary_colour",
            "sdk_config.locale",
            "notifications.endpoint",
            "required_documents[0].filter.country_restriction.country_codes",
            "required_documents[0].filter.type_restriction.inclusion",
        ]
    );
    let first = spec.validate(&ValidationOptions::strict()).unwrap_err();
    assert_eq!(first.field(), "session_deadline");
    assert!(first.to_string().contains("client_session_token_ttl"));
    // With the loopback option, the endpoint passes but the rest does not.
    assert_eq!(
        spec.validation_errors(&ValidationOptions::loopback_emulator())
            .len(),
        6
    );
    let unknown_inclusion = &spec.validation_errors(&ValidationOptions::strict())[6];
    assert!(matches!(unknown_inclusion, ValidationError::Invalid { .. }));
}

#[test]
fn requested_kinds_serialize_with_and_without_config() {
    assert_eq!(
        serde_json::to_value(RequestedCheck::third_party_identity()).unwrap(),
        json!({"type": "THIRD_PARTY_IDENTITY"})
    );
    assert_eq!(
        serde_json::to_value(RequestedCheck::id_document_comparison()).unwrap(),
        json!({"type": "ID_DOCUMENT_COMPARISON", "config": {}})
    );
    let other: RequestedCheck =
        serde_json::from_value(json!({"type": "NEW_CHECK", "config": {"a": 1}, "b": 2})).unwrap();
    assert!(matches!(&other, RequestedCheck::Other { kind, .. } if kind == "NEW_CHECK"));
    assert_eq!(
        serde_json::to_value(&other).unwrap(),
        json!({"type": "NEW_CHECK", "config": {"a": 1}, "b": 2})
    );
    // A known kind with a malformed configuration is an error naming it.
    let error = serde_json::from_value::<RequestedCheck>(
        json!({"type": "LIVENESS", "config": {"max_retries": "x"}}),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("LIVENESS"), "{error}");
    let filter: DocumentFilter =
        serde_json::from_value(json!({"type": "FUTURE_FILTER", "x": [1]})).unwrap();
    assert_eq!(filter.kind(), "FUTURE_FILTER");
    assert_eq!(
        serde_json::to_value(&filter).unwrap(),
        json!({"type": "FUTURE_FILTER", "x": [1]})
    );
}
