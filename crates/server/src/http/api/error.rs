//! The API's errors: every one is an RFC 9457 problem document with a sentence a person
//! understands, and where it helps, the extension members a program needs (`field` for a
//! bad input, `rule` for a refused transition, `policy` for a denial).

use crate::service::ServiceError;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use docket_domain::store::StoreError;
use serde::Serialize;

/// The problem document, as the OpenAPI document describes it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the title says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request field at fault, as a JSON path (`charges[0].clause`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The stable code of the process rule that refused a command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The policies that denied a request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<Vec<String>>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    /// Boxed: errors travel in every handler's `Result`, so they are kept small.
    problem: Box<Problem>,
    /// A failure of ours: logged with an id, never shown.
    cause: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, title: &str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            problem: Box::new(Problem {
                kind: "about:blank".into(),
                title: title.into(),
                status: status.as_u16(),
                detail: detail.into(),
                field: None,
                rule: None,
                policy: None,
            }),
            cause: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "The request is not valid", detail)
    }

    /// A field's value is not acceptable.
    pub fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "A field is not valid",
            detail,
        );
        e.problem.field = Some(field.to_string());
        e
    }

    /// A query parameter's value is not acceptable: a 400, as the request's address is
    /// what is wrong, still naming the parameter.
    pub fn invalid_query(field: &str, detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::bad_request(detail);
        e.problem.field = Some(field.to_string());
        e
    }

    pub fn unauthenticated(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "Sign in first", detail)
    }

    pub fn denied(reason: impl Into<String>, policies: Vec<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::FORBIDDEN, "Not allowed", reason);
        e.problem.policy = Some(policies);
        e
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "Not found", detail)
    }

    fn ours(status: StatusCode, cause: impl std::fmt::Display) -> ApiError {
        let id = format!("{:016x}", rand::random::<u64>());
        let title = if status == StatusCode::SERVICE_UNAVAILABLE {
            "Docket is unavailable"
        } else {
            "Docket could not answer"
        };
        let mut e = ApiError::new(
            status,
            title,
            format!("Something went wrong on our side. Quote this id if you report it: {id}"),
        );
        e.cause = Some(format!("{id}: {cause}"));
        e
    }

    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError::ours(StatusCode::INTERNAL_SERVER_ERROR, cause)
    }

    /// A command's fields are read through its tag, which hides where in the body a bad
    /// value was: find the top-level field it came from by what the message quotes (a
    /// missing or unknown field by name, a bad value by the value).
    pub fn locate_in(mut self, body: &serde_json::Value) -> ApiError {
        if self.problem.field.as_deref() != Some("body") {
            return self;
        }
        let detail = self.problem.detail.clone();
        let quoted = detail.split('`').nth(1).unwrap_or("");
        let Some(fields) = body.as_object() else {
            return self;
        };
        let field = if detail.contains("missing field") || detail.contains("unknown field") {
            Some(quoted.to_string())
        } else if quoted.is_empty() {
            None
        } else {
            let mut hits = fields
                .iter()
                .filter(|(k, v)| *k != "command" && v.to_string().contains(quoted));
            match (hits.next(), hits.next()) {
                (Some((k, _)), None) => Some(k.clone()),
                _ => None,
            }
        };
        if let Some(f) = field.filter(|f| !f.is_empty()) {
            self.problem.detail = detail.replacen("body: ", &format!("{f}: "), 1);
            self.problem.field = Some(f);
        }
        self
    }

    /// Names the process rule that refused the request (`Problem::rule`).
    pub fn with_rule(mut self, rule: docket_domain::rule::Rule) -> ApiError {
        self.problem.rule = Some(rule.code().to_string());
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// Logs a failure of ours with its id, for when the error is shown as a page.
    pub fn log_cause(&self) {
        if let Some(cause) = &self.cause {
            tracing::error!(error = %cause, "request failed");
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Conflict { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "Changed by someone else",
                e.to_string(),
            ),
            StoreError::NotFound(_) => ApiError::not_found(e.to_string()),
            StoreError::Unavailable(_) => ApiError::ours(StatusCode::SERVICE_UNAVAILABLE, e),
            _ => ApiError::internal(e),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        match e {
            ServiceError::Rule(v) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The process does not allow this",
                v.to_string(),
            )
            .with_rule(v.rule),
            ServiceError::Denied(d) => ApiError::denied(d.reason, d.policies),
            ServiceError::NotFound(_)
            | ServiceError::NoEvidence { .. }
            | ServiceError::NoNotice { .. } => ApiError::not_found(e.to_string()),
            ServiceError::Store(s) => s.into(),
            // Shown, not hidden behind an id: that a file no longer matches the log is what
            // the person opening it, and whoever checks the system, most need to know.
            ServiceError::Tampered(why) => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The stored file does not match the log",
                why,
            ),
            other => ApiError::internal(other),
        }
    }
}

impl From<crate::audit::AuditError> for ApiError {
    fn from(e: crate::audit::AuditError) -> ApiError {
        match e {
            crate::audit::AuditError::Service(e) => e.into(),
            crate::audit::AuditError::Log(e) => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log_cause();
        let body = serde_json::to_string(&*self.problem).unwrap_or_else(|_| "{}".into());
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}
