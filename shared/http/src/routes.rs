//! Routes registered once (issue 21): each endpoint group lists its
//! handlers in one [`route!`](crate::route) call per path, and both the
//! axum router and the OpenAPI document come from that list.
//!
//! The router is built when the group is (from each handler's
//! `#[utoipa::path]` path and methods: cheap); the OpenAPI half —
//! operations and schemas, about a millisecond for the conversations group
//! on a 2-core machine (measured, `make bench-cold`) — is built only when
//! asked for ([`Routes::openapi`]: local-api's `/openapi.json`, the tests).
//! A Lambda never asks, so its cold start does not pay for documentation
//! it does not serve. The document itself is assembled by utoipa-axum's
//! `routes!` from the same handler list.

use axum::routing::MethodRouter;
use axum::Router;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::AppState;

/// One path's handlers: its axum method router now, its OpenAPI operations
/// on demand. Made by [`route!`](crate::route).
pub struct Route {
    path: String,
    methods: MethodRouter<AppState>,
    docs: fn() -> UtoipaMethodRouter<AppState>,
}

impl Route {
    /// A route at `path` served by `methods`, documented by `docs`
    /// (utoipa-axum's `routes!` of the same handlers). Use [`route!`](crate::route).
    pub fn new(
        path: String,
        methods: MethodRouter<AppState>,
        docs: fn() -> UtoipaMethodRouter<AppState>,
    ) -> Self {
        Self {
            path,
            methods,
            docs,
        }
    }
}

/// A group's routes, each registered once (see the module docs).
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    docs: Vec<fn() -> UtoipaMethodRouter<AppState>>,
}

impl Routes {
    /// No route yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `route`.
    pub fn route(mut self, route: Route) -> Self {
        self.router = self.router.route(&route.path, route.methods);
        self.docs.push(route.docs);
        self
    }

    /// Adds every route of `other`.
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.docs.extend(other.docs);
        self
    }

    /// Adds an undocumented route (local-api's `/events`, `/metrics`).
    pub fn undocumented(mut self, path: &str, methods: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, methods);
        self
    }

    /// The routes so far with `f` applied to their router (a layer over
    /// them, e.g. an `Extension`).
    pub fn map_router(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Self {
        self.router = f(self.router);
        self
    }

    /// The OpenAPI paths and schemas of every documented route, in
    /// registration order (built now; a Lambda never calls this).
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        self.docs
            .iter()
            .fold(OpenApiRouter::<AppState>::new(), |r, docs| r.routes(docs()))
            .into_openapi()
    }

    /// The axum router.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// One path's handlers as a [`Route`]: `route!(get_customer,
/// update_customer)` serves each handler at the path and methods of its
/// `#[utoipa::path]`, and documents them with utoipa-axum's `routes!` when
/// the OpenAPI document is asked for. All handlers of one call share one path.
#[macro_export]
macro_rules! route {
    ($($first:ident)::+ $(, $($handler:ident)::+)* $(,)?) => {{
        #[allow(unused_imports)]
        use ::utoipa_axum::PathItemExt as _;
        let path: String = ::utoipa_axum::routes!(@path [path()] of $($first)::+);
        let mut methods = ::axum::routing::MethodRouter::new();
        for method in ::utoipa_axum::routes!(@path [methods()] of $($first)::+) {
            methods = methods.on(method.to_method_filter(), $($first)::+);
        }
        $(
            debug_assert_eq!(
                ::utoipa_axum::routes!(@path [path()] of $($handler)::+),
                path,
                "one route! call, one path"
            );
            for method in ::utoipa_axum::routes!(@path [methods()] of $($handler)::+) {
                methods = methods.on(method.to_method_filter(), $($handler)::+);
            }
        )*
        $crate::routes::Route::new(path, methods, || {
            ::utoipa_axum::routes!($($first)::+ $(, $($handler)::+)*)
        })
    }};
}
