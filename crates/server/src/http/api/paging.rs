//! Paging for the API's lists: one rule, so `page` and `per_page` mean the same and are
//! refused the same way on every list.

use super::error::ApiError;
use serde::Serialize;
use utoipa::ToSchema;

pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 200;
/// Far beyond any real list; it keeps `offset` small enough for every database.
pub const MAX_PAGE: u32 = 1_000_000;

/// A page asked for, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

impl Paging {
    /// The query's `page` and `per_page`, or their defaults; a value out of range is a 400
    /// naming the parameter.
    pub fn of(page: Option<u32>, per_page: Option<u32>) -> Result<Paging, ApiError> {
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::invalid_query(
                "per_page",
                format!("per_page must be from 1 to {MAX_PER_PAGE}"),
            ));
        }
        let page = page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(ApiError::invalid_query(
                "page",
                "pages are counted from 1 (and stop at 1,000,000)",
            ));
        }
        Ok(Paging { page, per_page })
    }

    /// How many items come before this page.
    pub fn offset(self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }

    /// This page of a list the store paged, which holds `total` items in all.
    pub fn holding<T>(self, items: Vec<T>, total: u64) -> Page<T> {
        Page {
            items,
            page: self.page,
            per_page: self.per_page,
            total,
        }
    }

    /// This page of a whole list read at once (lists that stay short, or are filtered in
    /// memory).
    pub fn cut<T>(self, all: Vec<T>) -> Page<T> {
        let total = all.len() as u64;
        let items = all
            .into_iter()
            .skip(usize::try_from(self.offset()).unwrap_or(usize::MAX))
            .take(self.per_page as usize)
            .collect();
        self.holding(items, total)
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    /// How many items match, on all pages together.
    pub total: u64,
}

impl<T> Page<T> {
    /// The same page with each item turned into what is shown of it.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Paging;

    #[test]
    fn defaults_bounds_and_offsets() {
        assert_eq!(
            Paging::of(None, None).ok(),
            Some(Paging {
                page: 1,
                per_page: 50
            })
        );
        assert_eq!(
            Paging::of(Some(3), Some(20)).map(Paging::offset).ok(),
            Some(40)
        );
        assert_eq!(
            Paging::of(Some(1_000_000), Some(200))
                .map(Paging::offset)
                .ok(),
            Some(199_999_800)
        );
        for (page, per_page) in [(Some(0), None), (Some(1_000_001), None)] {
            let e = Paging::of(page, per_page).expect_err("out of range");
            assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST);
        }
        for per_page in [0, 201] {
            assert!(Paging::of(None, Some(per_page)).is_err());
        }
    }
}
