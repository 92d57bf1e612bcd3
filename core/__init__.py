"""Platform pieces shared by every domain: configuration, extensions, errors, tenancy."""
