//! # crm-customers
//!
//! The customers endpoint group (guide §1–7). Handlers parse and answer; the
//! rules are in `crm_domain::customers` (`service.rs`), the keys in its
//! `record.rs`; deleting is the flow `crm_domain::flows::delete_customer`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use crm_domain::customers::{
    Customer, CustomerFilter, CustomerInput, CustomerPatch, CustomerRef, NewCustomerBody,
    UpsertBody,
};
use crm_domain::types::{nonblank, schema, CustomerId};
use crm_domain::DomainError;
use crm_http::openapi::Paging;
use crm_http::{route, Routes};
use crm_http::{ApiResult, AppState, ErrorBody, JsonBody, PathParam, QueryMap};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{AllOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, ToSchema};

/// The group's routes, each registered once with its OpenAPI operation
/// (the handler's `#[utoipa::path]`): the Lambda's router, local-api's and
/// `docs/openapi.json` all come from this list (`crm_http::routes`).
pub fn router() -> Routes {
    Routes::new()
        .route(route!(create_customer, list_customers))
        .route(route!(get_customer, update_customer, delete_customer))
        .route(route!(lookup_customer))
        .route(route!(upsert_customer))
}

/// Answer of `GET /customers`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomerList {
    /// The page of customers, by ascending `customer_id`.
    pub customers: Vec<Customer>,
    /// Items in this response.
    pub count: usize,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

/// Answer of `DELETE /customers/{customer_id}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Deleted {
    /// Always true.
    pub success: bool,
    /// The deleted customer.
    pub deleted_id: i64,
}

/// Body of `POST /customers/lookup`: at least one of `email`, `phone`,
/// `phone_normalized` or `external_crm_id`, not blank. Every one given is
/// checked; the first of that order is used.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct LookupRequest {
    /// Email, any case.
    #[schema(schema_with = schema::optional_email)]
    pub email: Option<String>,
    /// Phone, any formatting.
    #[schema(schema_with = schema::optional_phone)]
    pub phone: Option<String>,
    /// Alias of `phone`.
    #[schema(schema_with = schema::optional_phone)]
    pub phone_normalized: Option<String>,
    /// Id in another CRM (≤ 128 characters).
    #[schema(max_length = 128)]
    pub external_crm_id: Option<String>,
}

/// The OpenAPI request body of `POST /customers/lookup`: a [`LookupRequest`]
/// with at least one field given and not blank (else 400).
pub struct LookupBody;

impl utoipa::PartialSchema for LookupBody {
    fn schema() -> RefOr<Schema> {
        AllOfBuilder::new()
            .item(Ref::from_schema_name("LookupRequest"))
            .item(schema::any_of([
                schema::required_field("email", schema::email()),
                schema::required_field("phone", schema::phone()),
                schema::required_field("phone_normalized", schema::phone()),
                schema::required_field(
                    "external_crm_id",
                    schema::not_blank(128, "Id in another CRM."),
                ),
            ]))
            .into()
    }
}

impl ToSchema for LookupBody {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            LookupRequest::name().into(),
            <LookupRequest as utoipa::PartialSchema>::schema(),
        ));
    }
}

/// Answer of `POST /customers/upsert`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Upserted {
    /// The customer after the call.
    pub customer: Customer,
    /// True when this call created it (status 201), false when it existed (200).
    pub created: bool,
}

/// The filters of `GET /customers` as the OpenAPI document states them
/// (parsed by `CustomerFilter::parse`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerListQuery {
    /// Exact email, any case; blank is no filter.
    #[param(schema_with = schema::optional_email)]
    pub email: Option<String>,
    /// Exact phone, any formatting; blank is no filter.
    #[param(schema_with = schema::optional_phone)]
    pub phone: Option<String>,
    /// Substring of the company, any case (≤ 200 characters).
    #[param(max_length = 200)]
    pub company: Option<String>,
    /// Substring of the name, any case (≤ 200 characters).
    #[param(max_length = 200)]
    pub name: Option<String>,
}

/// The `by` of `GET /customers/{id}` as the OpenAPI document states it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerByQuery {
    /// How to read `id`, any case; inferred when absent (`@` → email,
    /// leading `+` → phone, else id).
    #[param(schema_with = by_customer)]
    pub by: Option<String>,
}

/// The `by` values of `GET /customers/{id}` (any case).
pub fn by_customer() -> Schema {
    schema::enum_of(&crm_domain::customers::CUSTOMER_BY)
}

/// `POST /customers` (guide §1).
#[utoipa::path(post, path = "/customers", tag = "customers", request_body = NewCustomerBody,
    responses(
        (status = 201, description = "Created", body = Customer),
        (status = 400, description = "Neither email nor phone, or a malformed field", body = ErrorBody),
        (status = 409, description = "Email, phone or external id held by `customer_id`", body = ErrorBody)))]
pub async fn create_customer(
    State(s): State<AppState>,
    JsonBody(input): JsonBody<CustomerInput>,
) -> ApiResult<(StatusCode, Json<Customer>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.crm.create_customer(&input).await?),
    ))
}

/// `GET /customers` (guide §2).
#[utoipa::path(get, path = "/customers", tag = "customers",
    params(CustomerListQuery, Paging),
    responses((status = 200, description = "A page of customers", body = CustomerList), (status = 400, body = ErrorBody)))]
pub async fn list_customers(
    State(s): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<CustomerList>> {
    let filter = CustomerFilter::parse(
        &s.crm,
        q.get("email"),
        q.get("phone"),
        q.get("company"),
        q.get("name"),
    )?;
    let page = s
        .crm
        .list_customers(
            &filter,
            &q.list_params(&["email", "phone", "company", "name"])?,
        )
        .await?;
    Ok(Json(CustomerList {
        count: page.items.len(),
        customers: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// `GET /customers/{identifier}?by=id|email|phone|external_id` (guide §3).
#[utoipa::path(get, path = "/customers/{id}", tag = "customers",
    params(
        ("id" = String, Path, description = "Customer id, email, phone or external id. A value that cannot be one of the kind `by` names (an id `MIT`) finds no customer: 404."),
        CustomerByQuery),
    responses((status = 200, body = Customer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_customer(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    q: QueryMap,
) -> ApiResult<Json<Customer>> {
    let r = CustomerRef::parse(&id, q.get("by"), &s.crm)?;
    Ok(Json(s.crm.find_customer(&r).await?))
}

/// `PUT /customers/{customer_id}` (guide §4).
#[utoipa::path(put, path = "/customers/{id}", tag = "customers", request_body = CustomerPatch,
    params(("id" = CustomerId, Path, description = "Customer id")),
    responses((status = 200, body = Customer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Email, phone or external id held by `customer_id`, or the customer would be left with neither email nor phone", body = ErrorBody)))]
pub async fn update_customer(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(patch): JsonBody<CustomerPatch>,
) -> ApiResult<Json<Customer>> {
    let id = CustomerId::parse("customer_id", &id)?;
    Ok(Json(s.crm.update_customer(id, &patch).await?))
}

/// `DELETE /customers/{customer_id}` (guide §5).
#[utoipa::path(delete, path = "/customers/{id}", tag = "customers",
    params(("id" = CustomerId, Path, description = "Customer id")),
    responses((status = 200, body = Deleted), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_customer(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<Deleted>> {
    let id = CustomerId::parse("customer_id", &id)?;
    s.crm.delete_customer(id).await?;
    Ok(Json(Deleted {
        success: true,
        deleted_id: id.get(),
    }))
}

/// `POST /customers/lookup` (guide §6).
#[utoipa::path(post, path = "/customers/lookup", tag = "customers", request_body = LookupBody,
    responses((status = 200, body = Customer), (status = 400, body = ErrorBody), (status = 404, description = "Customer not found", body = ErrorBody)))]
pub async fn lookup_customer(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<LookupRequest>,
) -> ApiResult<Json<Customer>> {
    let fields = [
        ("email", &req.email, "email"),
        ("phone", &req.phone, "phone"),
        ("phone_normalized", &req.phone_normalized, "phone"),
        ("external_crm_id", &req.external_crm_id, "external_id"),
    ];
    let mut given = Vec::new();
    for (field, value, by) in fields {
        if let Some(v) = nonblank(value.as_deref()) {
            given.push(CustomerRef::from_field(field, v, by, &s.crm)?);
        }
    }
    let r = given.into_iter().next().ok_or_else(|| {
        DomainError::invalid(
            "email",
            "send `email`, `phone` or `external_crm_id` to look a customer up",
        )
    })?;
    Ok(Json(s.crm.find_customer(&r).await?))
}

/// `POST /customers/upsert` (guide §7).
#[utoipa::path(post, path = "/customers/upsert", tag = "customers", request_body = UpsertBody,
    responses(
        (status = 200, description = "Existing customer updated", body = Upserted),
        (status = 201, description = "Customer created", body = Upserted),
        (status = 400, description = "No email, or a malformed field", body = ErrorBody),
        (status = 409, description = "Phone or external id held by another customer", body = ErrorBody)))]
pub async fn upsert_customer(
    State(s): State<AppState>,
    JsonBody(input): JsonBody<CustomerInput>,
) -> ApiResult<(StatusCode, Json<Upserted>)> {
    let (customer, created) = s.crm.upsert_customer(&input).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(Upserted { customer, created })))
}
