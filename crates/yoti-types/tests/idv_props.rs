//! Property tests: every IDV model survives serialize-then-parse (through JSON text), with
//! generated values that include enum strings this version does not know, check / task /
//! document / filter kinds it does not model, and unmodelled fields in every `extra` map.

use std::fmt::Debug;

use proptest::collection::{btree_map, vec};
use proptest::option::of as opt;
use proptest::prelude::*;
use proptest::sample::select;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use yoti_types::Timestamp;
use yoti_types::idv::devices::{DeviceEventType, DeviceInfo, TrackedDeviceEvent};
use yoti_types::idv::error::{IdvErrorBody, IdvFieldError};
use yoti_types::idv::face_capture::{
    CreateFaceCaptureResourceRequest, CreateFaceCaptureResourceResponse,
};
use yoti_types::idv::media::{Media, MediaContainer, MediaType};
use yoti_types::idv::notification::{Notification, WebhookTopic};
use yoti_types::idv::result::*;
use yoti_types::idv::sandbox::*;
use yoti_types::idv::session::*;
use yoti_types::idv::spec::*;
use yoti_types::idv::supported_documents::*;
use yoti_types::idv::{CaptureMethod, CheckType, LivenessType, SecretString, TaskType};

// ---------------------------------------------------------------- building blocks

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,10}"
}

fn otext() -> impl Strategy<Value = Option<String>> {
    opt(text())
}

fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        Just("<uuid>".to_owned())
    ]
}

fn timestamp() -> impl Strategy<Value = Option<Timestamp>> {
    opt(prop_oneof![
        "20[0-9]{2}-[01][0-9]-[0-2][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{3})?Z",
        Just("string".to_owned()),
    ]
    .prop_map(Timestamp::new))
}

fn codes() -> impl Strategy<Value = Vec<String>> {
    vec("[A-Z]{3}", 0..3)
}

/// A known value, or an upper-case string no version knows.
fn open<T: From<String> + Clone + Debug + 'static>(known: &'static [T]) -> BoxedStrategy<T> {
    prop_oneof![3 => select(known), 1 => "X_[A-Z_]{1,10}".prop_map(T::from)].boxed()
}

fn json_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::from),
        Just(json!({"nested": [1, "two", {"three": null}]})),
    ]
}

/// A JSON value for an `Option<Value>` field: `null` there reads as "absent" (serde cannot
/// tell `Some(null)` from `None`), so it is left out.
fn json_non_null() -> impl Strategy<Value = Value> {
    json_scalar().prop_filter("null is absent", |v| !v.is_null())
}

/// Fields no version models (never clashing with a modelled name).
fn extra() -> impl Strategy<Value = Map<String, Value>> {
    btree_map("x_[a-z]{1,6}", json_scalar(), 0..3).prop_map(|m| m.into_iter().collect())
}

fn media() -> BoxedStrategy<Media> {
    (
        id(),
        opt(open(MediaType::KNOWN)),
        timestamp(),
        timestamp(),
        extra(),
    )
        .prop_map(|(id, media_type, created, last_updated, extra)| {
            let mut model = Media::new(id, MediaType::Json);
            model.media_type = media_type;
            model.created = created;
            model.last_updated = last_updated;
            model.extra = extra;
            model
        })
        .boxed()
}

fn container() -> BoxedStrategy<MediaContainer> {
    (opt(media()), extra())
        .prop_map(|(media, extra)| {
            let mut model = MediaContainer::default();
            model.media = media;
            model.extra = extra;
            model
        })
        .boxed()
}

fn round_trips<T: Serialize + DeserializeOwned + PartialEq + Debug>(
    value: &T,
) -> Result<(), TestCaseError> {
    let json = serde_json::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T =
        serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{e}\nin {json}")))?;
    prop_assert_eq!(&back, value, "through {}", json);
    Ok(())
}

// ---------------------------------------------------------------- specification

fn manual() -> impl Strategy<Value = Option<ManualCheck>> {
    opt(open(ManualCheck::KNOWN))
}

fn document_filter() -> BoxedStrategy<DocumentFilter> {
    let orthogonal = (
        opt((open(Inclusion::KNOWN), codes(), extra())),
        opt((open(Inclusion::KNOWN), vec("[A-Z_]{3,10}", 0..3), extra())),
        opt(any::<bool>()),
        opt(any::<bool>()),
        extra(),
    )
        .prop_map(|(country, types, non_latin, expired, extra)| {
            DocumentFilter::OrthogonalRestrictions(OrthogonalRestrictionsFilter {
                country_restriction: country.map(|(inclusion, country_codes, extra)| {
                    CountryRestriction {
                        inclusion,
                        country_codes,
                        extra,
                    }
                }),
                type_restriction: types.map(|(inclusion, document_types, extra)| TypeRestriction {
                    inclusion,
                    document_types,
                    extra,
                }),
                allow_non_latin_documents: non_latin,
                allow_expired_documents: expired,
                extra,
            })
        });
    let restrictions = (
        open(Inclusion::KNOWN),
        vec(
            (opt(codes()), opt(vec("[A-Z_]{3,10}", 0..2)), extra()),
            0..3,
        ),
        opt(any::<bool>()),
        opt(any::<bool>()),
        extra(),
    )
        .prop_map(|(inclusion, documents, non_latin, expired, extra)| {
            DocumentFilter::DocumentRestrictions(DocumentRestrictionsFilter {
                inclusion,
                documents: documents
                    .into_iter()
                    .map(
                        |(country_codes, document_types, extra)| DocumentRestriction {
                            country_codes,
                            document_types,
                            extra,
                        },
                    )
                    .collect(),
                allow_non_latin_documents: non_latin,
                allow_expired_documents: expired,
                extra,
            })
        });
    let other = ("X_[A-Z_]{1,10}", extra())
        .prop_map(|(kind, fields)| DocumentFilter::Other { kind, fields });
    prop_oneof![orthogonal, restrictions, other].boxed()
}

fn manual_config() -> BoxedStrategy<ManualCheckConfig> {
    (manual(), extra())
        .prop_map(|(manual_check, extra)| ManualCheckConfig {
            manual_check,
            extra,
        })
        .boxed()
}

fn empty_config() -> BoxedStrategy<EmptyConfig> {
    extra().prop_map(|extra| EmptyConfig { extra }).boxed()
}

fn advanced_ca_config() -> BoxedStrategy<WatchlistAdvancedCaConfig> {
    (
        opt(open(CaAccountType::KNOWN)),
        manual(),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt((
            open(CaSourcesType::KNOWN),
            opt(vec("[a-z-]{1,8}", 0..3)),
            otext(),
            extra(),
        )),
        // Fractions exact in binary, so that the text form parses back to the same f64.
        opt((
            open(CaMatchingStrategyType::KNOWN),
            opt(any::<bool>()),
            opt((0u8..=8).prop_map(|n| f64::from(n) / 8.0)),
            extra(),
        )),
        opt(text().prop_map(SecretString::new)),
        opt(any::<bool>()),
        btree_map("[a-z]{1,5}", text(), 0..2),
        otext(),
        extra(),
    )
        .prop_map(
            |(
                account_type,
                manual_check,
                remove_deceased,
                share_url,
                sources,
                strategy,
                api_key,
                monitoring,
                tags,
                client_ref,
                extra,
            )| {
                WatchlistAdvancedCaConfig {
                    account_type,
                    manual_check,
                    remove_deceased,
                    share_url,
                    sources: sources.map(|(kind, types, search_profile, extra)| CaSources {
                        kind,
                        types,
                        search_profile,
                        extra,
                    }),
                    matching_strategy: strategy.map(|(kind, exact_match, fuzziness, extra)| {
                        CaMatchingStrategy {
                            kind,
                            exact_match,
                            fuzziness,
                            extra,
                        }
                    }),
                    api_key,
                    monitoring,
                    tags,
                    client_ref,
                    extra,
                }
            },
        )
        .boxed()
}

fn requested_check() -> BoxedStrategy<RequestedCheck> {
    let authenticity = opt((
        manual(),
        opt((any::<bool>(), opt(document_filter()), extra())),
        extra(),
    ))
    .prop_map(|config| RequestedCheck::IdDocumentAuthenticity {
        config: config.map(|(manual_check, sub, extra)| IdDocumentAuthenticityConfig {
            manual_check,
            issuing_authority_sub_check: sub.map(|(requested, filter, extra)| {
                IssuingAuthoritySubCheck {
                    requested,
                    filter,
                    extra,
                }
            }),
            extra,
        }),
    });
    let liveness = opt((
        opt(open(LivenessType::KNOWN)),
        opt(any::<u32>()),
        manual(),
        extra(),
    ))
    .prop_map(|config| RequestedCheck::Liveness {
        config: config.map(
            |(liveness_type, max_retries, manual_check, extra)| LivenessConfig {
                liveness_type,
                max_retries,
                manual_check,
                extra,
            },
        ),
    });
    let screening =
        opt((vec(open(WatchlistCategory::KNOWN), 0..3), manual(), extra())).prop_map(|config| {
            RequestedCheck::WatchlistScreening {
                config: config.map(
                    |(categories, manual_check, extra)| WatchlistScreeningConfig {
                        categories,
                        manual_check,
                        extra,
                    },
                ),
            }
        });
    let scheme_validity = opt((manual(), otext(), extra())).prop_map(|config| {
        RequestedCheck::DocumentSchemeValidityCheck {
            config: config.map(
                |(manual_check, scheme, extra)| DocumentSchemeValidityConfig {
                    manual_check,
                    scheme,
                    extra,
                },
            ),
        }
    });
    prop_oneof![
        authenticity,
        opt(empty_config()).prop_map(|config| RequestedCheck::IdDocumentComparison { config }),
        opt(manual_config()).prop_map(|config| RequestedCheck::IdDocumentFaceMatch { config }),
        liveness,
        opt(manual_config()).prop_map(|config| RequestedCheck::FaceComparison { config }),
        screening,
        opt(advanced_ca_config()).prop_map(|config| RequestedCheck::WatchlistAdvancedCa { config }),
        opt(empty_config()).prop_map(|config| RequestedCheck::ThirdPartyIdentity { config }),
        opt(manual_config()).prop_map(|config| RequestedCheck::IbvVisualReviewCheck { config }),
        opt(manual_config()).prop_map(|config| RequestedCheck::ProfileDocumentMatch { config }),
        scheme_validity,
        ("X_[A-Z_]{1,10}", opt(json_scalar()), extra()).prop_map(|(kind, config, fields)| {
            RequestedCheck::Other {
                kind,
                config,
                fields,
            }
        }),
    ]
    .boxed()
}

fn requested_task() -> BoxedStrategy<RequestedTask> {
    prop_oneof![
        opt((
            manual(),
            opt(open(ChipData::KNOWN)),
            opt(any::<bool>()),
            extra()
        ))
        .prop_map(|config| {
            RequestedTask::IdDocumentTextDataExtraction {
                config: config.map(|(manual_check, chip_data, expanded, extra)| {
                    IdDocumentTextExtractionConfig {
                        manual_check,
                        chip_data,
                        create_expanded_document_fields: expanded,
                        extra,
                    }
                }),
            }
        }),
        opt((manual(), extra())).prop_map(|config| {
            RequestedTask::SupplementaryDocumentTextDataExtraction {
                config: config.map(|(manual_check, extra)| {
                    SupplementaryDocumentTextExtractionConfig {
                        manual_check,
                        extra,
                    }
                }),
            }
        }),
        ("X_[A-Z_]{1,10}", opt(json_scalar()), extra()).prop_map(|(kind, config, fields)| {
            RequestedTask::Other {
                kind,
                config,
                fields,
            }
        }),
    ]
    .boxed()
}

fn required_document() -> BoxedStrategy<RequiredDocument> {
    prop_oneof![
        (opt(document_filter()), extra()).prop_map(|(filter, extra)| {
            RequiredDocument::IdDocument(RequiredIdDocument { filter, extra })
        }),
        (
            opt(document_filter()),
            opt(codes()),
            opt(vec("[A-Z_]{3,12}", 0..2)),
            opt((open(ObjectiveType::KNOWN), extra())),
            extra()
        )
            .prop_map(
                |(filter, country_codes, document_types, objective, extra)| {
                    RequiredDocument::SupplementaryDocument(RequiredSupplementaryDocument {
                        filter,
                        country_codes,
                        document_types,
                        objective: objective.map(|(kind, extra)| Objective { kind, extra }),
                        extra,
                    })
                }
            ),
        ("X_[A-Z_]{1,10}", extra())
            .prop_map(|(kind, fields)| RequiredDocument::Other { kind, fields }),
    ]
    .boxed()
}

fn sdk_config() -> BoxedStrategy<SdkConfig> {
    let colour = || opt(prop_oneof!["#[0-9a-fA-F]{3}", "#[0-9a-fA-F]{6}", text()]);
    (
        (
            opt(open(AllowedCaptureMethods::KNOWN)),
            colour(),
            colour(),
            colour(),
            colour(),
            opt(open(DarkMode::KNOWN)),
        ),
        (otext(), otext(), otext(), otext(), otext()),
        opt((btree_map("[A-Z_]{1,10}", any::<u32>(), 0..3), extra())),
        (
            opt(any::<bool>()),
            otext(),
            opt(open(BiometricConsentFlow::KNOWN)),
            extra(),
        ),
    )
        .prop_map(|(a, b, attempts, c)| SdkConfig {
            allowed_capture_methods: a.0,
            primary_colour: a.1,
            primary_colour_dark_mode: a.2,
            secondary_colour: a.3,
            font_colour: a.4,
            dark_mode: a.5,
            locale: b.0,
            preset_issuing_country: b.1,
            success_url: b.2,
            error_url: b.3,
            privacy_policy_url: b.4,
            attempts_configuration: attempts.map(|(map, extra)| AttemptsConfiguration {
                id_document_text_data_extraction: map,
                extra,
            }),
            allow_handoff: c.0,
            brand_id: c.1,
            biometric_consent_flow: c.2,
            extra: c.3,
        })
        .boxed()
}

fn scheme() -> BoxedStrategy<IdentityProfileScheme> {
    (
        opt(open(SchemeType::KNOWN)),
        otext(),
        otext(),
        opt(json_non_null()),
        extra(),
    )
        .prop_map(
            |(kind, objective, label, config, extra)| IdentityProfileScheme {
                kind,
                objective,
                label,
                config,
                extra,
            },
        )
        .boxed()
}

prop_compose! {
    fn session_spec()(
        times in (opt(any::<u64>()), timestamp(), opt(any::<u64>()), otext(), opt(any::<bool>())),
        notifications in opt((text(), vec(open(NotificationTopic::KNOWN), 0..3), opt(text().prop_map(SecretString::new)), opt(open(NotificationAuthType::KNOWN)), extra())),
        requested_checks in vec(requested_check(), 0..4),
        requested_tasks in vec(requested_task(), 0..3),
        required_documents in vec(required_document(), 0..3),
        sdk_config in opt(sdk_config()),
        simple in opt((opt(open(TrustFramework::KNOWN)), opt(scheme()), extra())),
        advanced in opt((vec((opt(open(TrustFramework::KNOWN)), vec(scheme(), 0..2), extra()), 0..2), extra())),
        rest in (opt((otext(), extra())), opt((opt(any::<u64>()), extra())), opt((opt(open(IbvSupport::KNOWN)), otext(), opt(json_non_null()), extra())), opt(any::<bool>())),
        extra in extra(),
    ) -> SessionSpec {
        SessionSpec {
            client_session_token_ttl: times.0,
            session_deadline: times.1,
            resources_ttl: times.2,
            user_tracking_id: times.3,
            block_biometric_consent: times.4,
            notifications: notifications.map(|(endpoint, topics, auth_token, auth_type, extra)| NotificationConfig { endpoint, topics, auth_token, auth_type, extra }),
            requested_checks,
            requested_tasks,
            required_documents,
            sdk_config,
            identity_profile_requirements: simple.map(|(trust_framework, scheme, extra)| IdentityProfileRequirements { trust_framework, scheme, extra }),
            advanced_identity_profile_requirements: advanced.map(|(profiles, extra)| AdvancedIdentityProfileRequirements {
                profiles: profiles.into_iter().map(|(trust_framework, schemes, extra)| AdvancedIdentityProfile { trust_framework, schemes, extra }).collect(),
                extra,
            }),
            subject: rest.0.map(|(subject_id, extra)| Subject { subject_id, extra }),
            import_token: rest.1.map(|(ttl, extra)| ImportTokenConfig { ttl, extra }),
            ibv_options: rest.2.map(|(support, guidance_url, user_price, extra)| IbvOptions { support, guidance_url, user_price, extra }),
            create_identity_profile_preview: rest.3,
            extra,
        }
    }
}

// ---------------------------------------------------------------- session result

fn recommendation() -> BoxedStrategy<Recommendation> {
    (
        opt(open(RecommendationValue::KNOWN)),
        otext(),
        otext(),
        extra(),
    )
        .prop_map(|(value, reason, recovery_suggestion, extra)| {
            let mut model = Recommendation::default();
            model.value = value;
            model.reason = reason;
            model.recovery_suggestion = recovery_suggestion;
            model.extra = extra;
            model
        })
        .boxed()
}

fn breakdown() -> BoxedStrategy<Breakdown> {
    (
        text(),
        opt(open(BreakdownResult::KNOWN)),
        vec((text(), text(), extra()), 0..3),
        opt(open(BreakdownProcess::KNOWN)),
        extra(),
    )
        .prop_map(|(sub_check, result, details, process, extra)| {
            let mut model = Breakdown::default();
            model.sub_check = sub_check;
            model.result = result;
            model.details = details
                .into_iter()
                .map(|(name, value, extra)| {
                    let mut model = BreakdownDetail::default();
                    model.name = name;
                    model.value = value;
                    model.extra = extra;
                    model
                })
                .collect();
            model.process = process;
            model.extra = extra;
            model
        })
        .boxed()
}

fn watchlist_summary() -> BoxedStrategy<WatchlistSummary> {
    (
        opt(any::<u64>()),
        opt((
            vec(open(WatchlistCategory::KNOWN), 0..2),
            opt(open(CaAccountType::KNOWN)),
            opt(any::<bool>()),
            opt(text().prop_map(SecretString::new)),
            otext(),
            btree_map("[a-z]{1,4}", text(), 0..2),
            extra(),
        )),
        opt(container()),
        codes(),
        extra(),
    )
        .prop_map(
            |(total_hits, config, raw_results, associated_country_codes, extra)| {
                let mut model = WatchlistSummary::default();
                model.total_hits = total_hits;
                model.search_config = config.map(
                    |(
                        categories,
                        account_type,
                        remove_deceased,
                        api_key,
                        client_ref,
                        tags,
                        extra,
                    )| {
                        {
                            let mut model = WatchlistSearchConfig::default();
                            model.categories = categories;
                            model.account_type = account_type;
                            model.remove_deceased = remove_deceased;
                            model.api_key = api_key;
                            model.client_ref = client_ref;
                            model.tags = tags;
                            model.extra = extra;
                            model
                        }
                    },
                );
                model.raw_results = raw_results;
                model.associated_country_codes = associated_country_codes;
                model.extra = extra;
                model
            },
        )
        .boxed()
}

fn check_result() -> BoxedStrategy<CheckResult> {
    (
        opt(id()),
        opt(open(CheckState::KNOWN)),
        vec(id(), 0..3),
        vec(media(), 0..2),
        opt((
            opt(recommendation()),
            vec(breakdown(), 0..3),
            opt(watchlist_summary()),
            extra(),
        )),
        opt(container()),
        timestamp(),
        timestamp(),
        extra(),
    )
        .prop_map(
            |(
                id,
                state,
                used,
                generated_media,
                report,
                generated_profile,
                created,
                last_updated,
                extra,
            )| {
                let mut model = CheckResult::default();
                model.id = id.map(Into::into);
                model.state = state;
                model.resources_used = used.into_iter().map(Into::into).collect();
                model.generated_media = generated_media;
                model.report =
                    report.map(|(recommendation, breakdown, watchlist_summary, extra)| {
                        let mut model = CheckReport::default();
                        model.recommendation = recommendation;
                        model.breakdown = breakdown;
                        model.watchlist_summary = watchlist_summary;
                        model.extra = extra;
                        model
                    });
                model.generated_profile = generated_profile;
                model.created = created;
                model.last_updated = last_updated;
                model.extra = extra;
                model
            },
        )
        .boxed()
}

fn check() -> BoxedStrategy<Check> {
    prop_oneof![
        4 => (select(CheckType::KNOWN), check_result()).prop_map(|(kind, result)| Check::new(kind, result)),
        // A kind no version knows.
        1 => ("X_[A-Z_]{1,10}", id(), extra()).prop_map(|(kind, id, extra)| {
            let mut raw = extra;
            raw.insert("type".into(), kind.into());
            raw.insert("id".into(), id.into());
            Check::from_value(Value::Object(raw))
        }),
        // A known kind whose body does not have the expected shape.
        1 => select(CheckType::KNOWN).prop_map(|kind| Check::from_value(json!({"type": kind.as_str(), "state": 5}))),
    ]
    .boxed()
}

fn task() -> BoxedStrategy<Task> {
    (
        opt(open(TaskType::KNOWN)),
        opt(id()),
        opt(open(TaskState::KNOWN)),
        timestamp(),
        timestamp(),
        vec((opt(id()), opt(open(CheckType::KNOWN)), extra()), 0..2),
        vec(media(), 0..2),
        opt((
            opt(open(TaskRecommendationValue::KNOWN)),
            opt((
                opt(open(TaskRecommendationReasonValue::KNOWN)),
                otext(),
                extra(),
            )),
            extra(),
        )),
        extra(),
    )
        .prop_map(
            |(
                kind,
                id,
                state,
                created,
                last_updated,
                checks,
                generated_media,
                recommendation,
                extra,
            )| {
                let mut model = Task::default();
                model.kind = kind;
                model.id = id.map(Into::into);
                model.state = state;
                model.created = created;
                model.last_updated = last_updated;
                model.generated_checks = checks
                    .into_iter()
                    .map(|(id, kind, extra)| {
                        let mut model = GeneratedCheck::default();
                        model.id = id.map(Into::into);
                        model.kind = kind;
                        model.extra = extra;
                        model
                    })
                    .collect();
                model.generated_media = generated_media;
                model.recommendation = recommendation.map(|(value, reason, extra)| {
                    let mut model = TaskRecommendation::default();
                    model.value = value;
                    model.reason = reason.map(|(value, detail, extra)| {
                        let mut model = TaskRecommendationReason::default();
                        model.value = value;
                        model.detail = detail;
                        model.extra = extra;
                        model
                    });
                    model.extra = extra;
                    model
                });
                model.extra = extra;
                model
            },
        )
        .boxed()
}

fn source() -> BoxedStrategy<Option<ResourceSource>> {
    opt(
        (opt(open(SourceType::KNOWN)), extra()).prop_map(|(kind, extra)| {
            let mut model = ResourceSource::default();
            model.kind = kind;
            model.extra = extra;
            model
        }),
    )
    .boxed()
}

fn page() -> BoxedStrategy<Page> {
    (
        opt(open(CaptureMethod::KNOWN)),
        opt(media()),
        vec(container(), 0..3),
        opt(vec(id(), 0..2)),
        extra(),
    )
        .prop_map(|(capture_method, media, frames, ids, extra)| {
            let mut model = Page::default();
            model.capture_method = capture_method;
            model.media = media;
            model.frames = frames;
            model.extraction_image_ids = ids.map(|ids| ids.into_iter().map(Into::into).collect());
            model.extra = extra;
            model
        })
        .boxed()
}

fn resources() -> BoxedStrategy<ResourceContainer> {
    let id_document = (
        (opt(id()), source(), otext(), otext()),
        vec(page(), 0..2),
        (opt(container()), opt(container()), opt(container())),
        (timestamp(), timestamp(), vec(task(), 0..2), extra()),
    )
        .prop_map(|(a, pages, media, b)| {
            let mut model = IdDocumentResource::default();
            model.id = a.0.map(Into::into);
            model.source = a.1;
            model.document_type = a.2;
            model.issuing_country = a.3;
            model.pages = pages;
            model.document_fields = media.0;
            model.expanded_document_fields = media.1;
            model.document_id_photo = media.2;
            model.created_at = b.0;
            model.last_updated = b.1;
            model.tasks = b.2;
            model.extra = b.3;
            model
        });
    let supplementary = (
        (opt(id()), source(), otext(), otext()),
        (opt(container()), vec(page(), 0..2), opt(container())),
        (timestamp(), timestamp(), vec(task(), 0..2), extra()),
    )
        .prop_map(|(a, m, b)| {
            let mut model = SupplementaryDocumentResource::default();
            model.id = a.0.map(Into::into);
            model.source = a.1;
            model.document_type = a.2;
            model.issuing_country = a.3;
            model.file = m.0;
            model.pages = m.1;
            model.document_fields = m.2;
            model.created_at = b.0;
            model.last_updated = b.1;
            model.tasks = b.2;
            model.extra = b.3;
            model
        });
    let liveness = (
        (opt(id()), source(), opt(open(LivenessType::KNOWN))),
        (opt(container()), vec(container(), 0..7), opt(container())),
        (timestamp(), timestamp(), vec(task(), 0..1), extra()),
    )
        .prop_map(|(a, m, b)| {
            let mut model = LivenessResource::default();
            model.id = a.0.map(Into::into);
            model.source = a.1;
            model.liveness_type = a.2;
            model.facemap = m.0;
            model.frames = m.1;
            model.image = m.2;
            model.created_at = b.0;
            model.last_updated = b.1;
            model.tasks = b.2;
            model.extra = b.3;
            model
        });
    let face = (
        opt(id()),
        source(),
        opt(container()),
        timestamp(),
        timestamp(),
        vec(task(), 0..1),
        extra(),
    )
        .prop_map(
            |(id, source, image, created_at, last_updated, tasks, extra)| {
                let mut model = FaceCaptureResource::default();
                model.id = id.map(Into::into);
                model.source = source;
                model.image = image;
                model.created_at = created_at;
                model.last_updated = last_updated;
                model.tasks = tasks;
                model.extra = extra;
                model
            },
        );
    let share_code =
        (opt(id()), source(), timestamp(), extra()).prop_map(|(id, source, created_at, extra)| {
            let mut model = ShareCodeResource::default();
            model.id = id.map(Into::into);
            model.source = source;
            model.created_at = created_at;
            model.extra = extra;
            model
        });
    let applicant =
        (opt(id()), source(), opt(media()), extra()).prop_map(|(id, source, media, extra)| {
            let mut model = ApplicantProfileResource::default();
            model.id = id.map(Into::into);
            model.source = source;
            model.media = media;
            model.extra = extra;
            model
        });
    (
        vec(id_document, 0..2),
        vec(supplementary, 0..2),
        vec(liveness, 0..2),
        vec(face, 0..2),
        vec(share_code, 0..2),
        vec(applicant, 0..2),
        btree_map(
            "x_[a-z]{1,6}",
            vec(json_scalar(), 0..2).prop_map(Value::from),
            0..2,
        ),
    )
        .prop_map(
            |(
                id_documents,
                supplementary_documents,
                liveness_capture,
                face_capture,
                share_codes,
                applicant_profiles,
                other,
            )| {
                {
                    let mut model = ResourceContainer::default();
                    model.id_documents = id_documents;
                    model.supplementary_documents = supplementary_documents;
                    model.liveness_capture = liveness_capture;
                    model.face_capture = face_capture;
                    model.share_codes = share_codes;
                    model.applicant_profiles = applicant_profiles;
                    model.other = other.into_iter().collect();
                    model
                }
            },
        )
        .boxed()
}

fn identity_profile() -> BoxedStrategy<IdentityProfile> {
    let compliance = || {
        vec(
            (opt(scheme()), opt(any::<bool>()), otext(), extra()).prop_map(
                |(scheme, requirements_met, requirements_not_met_info, extra)| {
                    let mut model = SchemeCompliance::default();
                    model.scheme = scheme;
                    model.requirements_met = requirements_met;
                    model.requirements_not_met_info = requirements_not_met_info;
                    model.extra = extra;
                    model
                },
            ),
            0..2,
        )
    };
    (
        otext(),
        opt(open(IdentityProfileResult::KNOWN)),
        opt((
            otext(),
            vec((otext(), otext(), otext(), otext(), otext(), extra()), 0..2),
            extra(),
        )),
        opt((
            opt(open(TrustFramework::KNOWN)),
            compliance(),
            vec(
                (opt(open(TrustFramework::KNOWN)), compliance(), extra()),
                0..2,
            ),
            opt(media()),
            extra(),
        )),
        extra(),
    )
        .prop_map(|(subject_id, result, failure, report, extra)| {
            let mut model = IdentityProfile::default();
            model.subject_id = subject_id;
            model.result = result;
            model.failure_reason = failure.map(|(reason_code, details, extra)| {
                let mut model = IdentityProfileFailure::default();
                model.reason_code = reason_code;
                model.requirements_not_met_details = details
                    .into_iter()
                    .map(
                        |(
                            failure_type,
                            document_type,
                            document_country_iso_code,
                            audit_id,
                            details,
                            extra,
                        )| {
                            let mut model = RequirementNotMetDetail::default();
                            model.failure_type = failure_type;
                            model.document_type = document_type;
                            model.document_country_iso_code = document_country_iso_code;
                            model.audit_id = audit_id;
                            model.details = details;
                            model.extra = extra;
                            model
                        },
                    )
                    .collect();
                model.extra = extra;
                model
            });
            model.identity_profile_report = report.map(
                |(trust_framework, schemes_compliance, compliance, media, extra)| {
                    let mut model = IdentityProfileReport::default();
                    model.trust_framework = trust_framework;
                    model.schemes_compliance = schemes_compliance;
                    model.compliance = compliance
                        .into_iter()
                        .map(|(trust_framework, schemes_compliance, extra)| {
                            let mut model = TrustFrameworkCompliance::default();
                            model.trust_framework = trust_framework;
                            model.schemes_compliance = schemes_compliance;
                            model.extra = extra;
                            model
                        })
                        .collect();
                    model.media = media;
                    model.extra = extra;
                    model
                },
            );
            model.extra = extra;
            model
        })
        .boxed()
}

prop_compose! {
    fn session_result()(
        head in (opt(id()), opt(any::<u64>()), opt(open(SessionState::KNOWN)), opt(id().prop_map(SecretString::new)), otext(), timestamp()),
        resources in opt(resources()),
        checks in vec(check(), 0..4),
        profiles in (opt(identity_profile()), opt(identity_profile()), opt(container()), opt(container())),
        import_token in opt((opt(media()), otext(), extra())),
        extra in extra(),
    ) -> SessionResult {
        let mut model = SessionResult::default();
        model.session_id = head.0.map(Into::into);
        model.client_session_token_ttl = head.1;
        model.state = head.2;
        model.client_session_token = head.3;
        model.user_tracking_id = head.4;
        model.biometric_consent = head.5;
        model.resources = resources;
        model.checks = checks;
        model.identity_profile = profiles.0;
        model.advanced_identity_profile = profiles.1;
        model.identity_profile_preview = profiles.2;
        model.advanced_identity_profile_preview = profiles.3;
        model.import_token = import_token.map(|(media, failure_reason, extra)| {
            let mut model = ImportToken::default();
            model.media = media;
            model.failure_reason = failure_reason;
            model.extra = extra;
            model
        });
        model.extra = extra;
        model
    }
}

// ---------------------------------------------------------------- sandbox

fn sandbox_filter() -> BoxedStrategy<SandboxDocumentFilter> {
    (vec("[A-Z_]{3,10}", 0..2), codes(), extra())
        .prop_map(
            |(document_types, country_codes, extra)| SandboxDocumentFilter {
                document_types,
                country_codes,
                extra,
            },
        )
        .boxed()
}

fn fields() -> BoxedStrategy<Map<String, Value>> {
    btree_map("[a-z_]{1,10}", json_scalar(), 0..4)
        .prop_map(|m| m.into_iter().collect())
        .boxed()
}

fn sandbox_check() -> BoxedStrategy<SandboxCheck> {
    (
        opt(sandbox_filter()),
        opt(sandbox_filter()),
        opt(open(LivenessType::KNOWN)),
        (opt(recommendation()), vec(breakdown(), 0..2), extra()),
        opt(fields()),
        extra(),
        extra(),
    )
        .prop_map(
            |(
                document_filter,
                secondary_document_filter,
                liveness_type,
                report,
                document_fields,
                result_extra,
                extra,
            )| SandboxCheck {
                document_filter,
                secondary_document_filter,
                liveness_type,
                result: SandboxCheckResult {
                    report: {
                        let mut model = CheckReport::default();
                        model.recommendation = report.0;
                        model.breakdown = report.1;
                        model.extra = report.2;
                        model
                    },
                    document_fields,
                    extra: result_extra,
                },
                extra,
            },
        )
        .boxed()
}

fn sandbox_extraction() -> BoxedStrategy<SandboxTextExtraction> {
    (
        opt(sandbox_filter()),
        opt(fields()),
        opt("[A-Z]{3}"),
        opt(open(TaskRecommendationValue::KNOWN)),
        extra(),
        extra(),
    )
        .prop_map(
            |(
                document_filter,
                document_fields,
                detected_country,
                recommendation,
                result_extra,
                extra,
            )| SandboxTextExtraction {
                document_filter,
                result: SandboxTextExtractionResult {
                    document_fields,
                    detected_country,
                    recommendation: recommendation.map(TaskRecommendation::new),
                    extra: result_extra,
                },
                extra,
            },
        )
        .boxed()
}

prop_compose! {
    fn response_config()(
        tasks in opt((vec(sandbox_extraction(), 0..2), vec(sandbox_extraction(), 0..2), extra())),
        checks in opt((
            (vec(sandbox_check(), 0..2), vec(sandbox_check(), 0..2), vec(sandbox_check(), 0..2)),
            (vec(sandbox_check(), 0..2), vec(sandbox_check(), 0..2), vec(sandbox_check(), 0..2)),
            opt(sandbox_check()),
            opt(any::<u32>()),
            extra(),
        )),
        extra in extra(),
    ) -> ResponseConfig {
        ResponseConfig {
            task_results: tasks.map(|(id, supplementary, extra)| TaskResults {
                id_document_text_data_extraction: id,
                supplementary_document_text_data_extraction: supplementary,
                extra,
            }),
            check_reports: checks.map(|(a, b, third_party_identity, async_report_delay, extra)| CheckReports {
                id_document_authenticity: a.0,
                id_document_text_data_check: a.1,
                supplementary_document_text_data_check: a.2,
                id_document_face_match: b.0,
                liveness: b.1,
                id_document_comparison: b.2,
                third_party_identity,
                async_report_delay,
                extra,
            }),
            extra,
        }
    }
}

// ---------------------------------------------------------------- the properties

proptest! {
    #[test]
    fn session_spec_round_trips(spec in session_spec()) {
        round_trips(&spec)?;
    }

    #[test]
    fn session_spec_validation_is_stable_through_json(spec in session_spec()) {
        // What `validate` says about a specification does not change when it is sent and read
        // back (the CLI validates specifications read from files).
        let back: SessionSpec = serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
        let options = ValidationOptions::default();
        prop_assert_eq!(back.validation_errors(&options), spec.validation_errors(&options));
    }

    #[test]
    fn session_result_round_trips(result in session_result()) {
        round_trips(&result)?;
    }

    #[test]
    fn checks_never_fail_to_parse(raw in btree_map("[a-z_]{1,8}", json_scalar(), 0..4), kind in prop_oneof![select(CheckType::KNOWN).prop_map(|k| k.as_str().to_owned()), text()]) {
        let mut raw: Map<String, Value> = raw.into_iter().collect();
        raw.insert("type".into(), kind.into());
        let check: Check = serde_json::from_value(Value::Object(raw.clone())).unwrap();
        round_trips(&check)?;
        if check.is_unknown() {
            // Kept whole.
            prop_assert_eq!(serde_json::to_value(&check).unwrap(), Value::Object(raw));
        }
    }

    #[test]
    fn response_config_round_trips(config in response_config()) {
        round_trips(&config)?;
    }

    #[test]
    fn notification_round_trips(
        session_id in id(),
        topic in prop_oneof![select(WebhookTopic::KNOWN), "x_[a-z_]{1,10}".prop_map(WebhookTopic::from)],
        ids in (opt(id()), opt(id()), opt(id())),
        extra in extra(),
    ) {
        let notification = {
            let mut model = Notification::new(session_id, topic.clone());
            model.task_id = ids.0.map(Into::into);
            model.resource_id = ids.1.map(Into::into);
            model.check_id = ids.2.map(Into::into);
            model.extra = extra;
            model
        };
        round_trips(&notification)?;
        // Webhook topics and subscription topics are the same names, in another case.
        prop_assert_eq!(WebhookTopic::from(&topic.subscription()), topic);
    }

    #[test]
    fn small_bodies_round_trip(
        created in (id(), opt(id().prop_map(SecretString::new)), opt(any::<u64>()), extra()),
        error in (otext(), otext(), vec((otext(), otext(), extra()), 0..3), extra()),
        face in (id(), id(), extra(), opt(any::<u32>())),
        media in media(),
    ) {
        round_trips(&{
            let mut model = CreateSessionResponse::new(created.0, "overwritten below", 0);
            model.client_session_token = created.1;
            model.client_session_token_ttl = created.2;
            model.extra = created.3;
            model
        })?;
        round_trips(&{
            let mut model = IdvErrorBody::default();
            model.code = error.0;
            model.message = error.1;
            model.errors = error.2.into_iter().map(|(property, message, extra)| {
                let mut model = IdvFieldError::default();
                model.property = property;
                model.message = message;
                model.extra = extra;
                model
            }).collect();
            model.extra = error.3;
            model
        })?;
        round_trips(&CreateFaceCaptureResourceRequest::new(face.0))?;
        round_trips(&{
            let mut model = CreateFaceCaptureResourceResponse::new(face.1, 0);
            model.frames = face.3;
            model.extra = face.2;
            model
        })?;
        round_trips(&media)?;
    }

    #[test]
    fn supported_documents_and_configuration_round_trip(
        countries in vec(("[A-Z]{3}", vec(("[A-Z_]{3,12}", opt(any::<bool>()), opt((otext(), extra())), extra()), 0..3), extra()), 0..3),
        head in (opt(any::<u64>()), opt(id()), vec(open(CheckType::KNOWN), 0..3)),
        resources in vec((opt(open(RequiredResourceType::KNOWN)), opt(id()), otext(), vec((opt(open(SourceType::KNOWN)), extra()), 0..2), vec((opt(open(TaskType::KNOWN)), otext(), extra()), 0..2), opt(open(LivenessType::KNOWN)), extra()), 0..3),
        capture in opt((otext(), extra())),
        extra in extra(),
    ) {
        let supported_countries: Vec<SupportedCountry> = countries
            .into_iter()
            .map(|(code, documents, extra)| {
                let mut model = SupportedCountry::default();
                model.code = code;
                model.supported_documents = documents
                    .into_iter()
                    .map(|(kind, is_strictly_latin, requirements, extra)| {
                        let mut model = SupportedDocument::default();
                        model.kind = kind;
                        model.is_strictly_latin = is_strictly_latin;
                        model.requirements = requirements.map(|(date_from, extra)| {
                            let mut model = DocumentRequirements::default();
                            model.date_from = date_from;
                            model.extra = extra;
                            model
                        });
                        model.extra = extra;
                        model
                    })
                    .collect();
                model.extra = extra;
                model
            })
            .collect();
        round_trips(&{
            let mut model = SupportedDocumentsResponse::default();
            model.supported_countries = supported_countries.clone();
            model.extra = extra.clone();
            model
        })?;
        let required_resources: Vec<RequiredResource> = resources
            .into_iter()
            .map(|(kind, id, state, sources, tasks, liveness_type, extra)| {
                let mut model = RequiredResource::default();
                model.kind = kind;
                model.id = id.map(Into::into);
                model.state = state;
                model.allowed_sources = sources.into_iter().map(|(kind, extra)| {
                    let mut model = AllowedSource::default();
                    model.kind = kind;
                    model.extra = extra;
                    model
                }).collect();
                model.requested_tasks = tasks.into_iter().map(|(kind, state, extra)| {
                    let mut model = RequiredResourceTask::default();
                    model.kind = kind;
                    model.state = state;
                    model.extra = extra;
                    model
                }).collect();
                model.supported_countries = supported_countries.clone();
                model.liveness_type = liveness_type;
                model.extra = extra;
                model
            })
            .collect();
        round_trips(&{
            let mut model = SessionConfiguration::default();
            model.client_session_token_ttl = head.0;
            model.session_id = head.1.map(Into::into);
            model.requested_checks = head.2;
            model.capture = capture.map(|(biometric_consent, extra)| {
                let mut model = CaptureConfiguration::default();
                model.biometric_consent = biometric_consent;
                model.required_resources = required_resources;
                model.extra = extra;
                model
            });
            model.extra = extra;
            model
        })?;
    }

    #[test]
    fn media_content_bodies_round_trip(
        devices in vec((opt(open(DeviceEventType::KNOWN)), opt(id()), timestamp(), opt((otext(), otext(), otext(), otext(), extra())), extra()), 0..3),
        names in (otext(), otext(), otext(), otext(), otext(), otext()),
        address in opt((opt(0u32..6), otext(), otext(), otext(), otext(), extra())),
        mrz in opt((opt(0u32..4), otext(), otext(), otext(), extra())),
        raw in vec((otext(), vec(text(), 0..3), otext(), otext(), extra()), 0..2),
        agent in (opt(id()), opt(id().prop_map(SecretString::new)), opt(vec((otext(), otext(), opt(open(CaptureMethod::KNOWN)), extra()), 0..3)), extra()),
    ) {
        let devices: Vec<TrackedDeviceEvent> = devices
            .into_iter()
            .map(|(event, resource_id, created, device, extra)| {
                let mut model = TrackedDeviceEvent::default();
                model.event = event;
                model.resource_id = resource_id.map(Into::into);
                model.created = created;
                model.device = device.map(|(ip_address, model_name, os_name, browser_name, extra)| {
                    let mut model = DeviceInfo::default();
                    model.ip_address = ip_address;
                    model.model_name = model_name;
                    model.os_name = os_name;
                    model.browser_name = browser_name;
                    model.extra = extra;
                    model
                });
                model.extra = extra;
                model
            })
            .collect();
        round_trips(&devices)?;
        round_trips(&{
            let mut model = DocumentFields::default();
            model.full_name = names.0;
            model.given_names = names.1;
            model.family_name = names.2;
            model.date_of_birth = names.3;
            model.document_number = names.4;
            model.organisation = names.5;
            model.structured_postal_address = address.map(|(address_format, address_line1, town_city, postal_code, country_iso, extra)| {
                let mut model = StructuredPostalAddress::default();
                model.address_format = address_format;
                model.address_line1 = address_line1;
                model.town_city = town_city;
                model.postal_code = postal_code;
                model.country_iso = country_iso;
                model.extra = extra;
                model
            });
            model.mrz = mrz.map(|(kind, line1, line2, line3, extra)| {
                let mut model = Mrz::default();
                model.kind = kind;
                model.line1 = line1;
                model.line2 = line2;
                model.line3 = line3;
                model.extra = extra;
                model
            });
            model
        })?;
        let raw: Vec<WatchlistRawResult> = raw
            .into_iter()
            .map(|(provider, search_types, search_id, raw_output, extra)| {
                let mut model = WatchlistRawResult::default();
                model.provider = provider;
                model.search_types = search_types;
                model.search_id = search_id;
                model.raw_output = raw_output;
                model.extra = extra;
                model
            })
            .collect();
        round_trips(&raw)?;
        let documents = agent.2.map(|documents| {
            documents
                .into_iter()
                .map(|(issuing_country, document_type, capture_method, extra)| AgentDocument { issuing_country, document_type, capture_method, extra })
                .collect::<Vec<_>>()
        });
        round_trips(&AgentRequest {
            session_id: agent.0.map(Into::into),
            client_session_token: agent.1,
            resources: documents.map(|documents| AgentResources {
                id_documents: documents.clone(),
                supplementary_documents: documents,
                extra: Map::new(),
            }),
            extra: agent.3,
        })?;
    }
}
