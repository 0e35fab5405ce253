// A Key Vault with access by Azure RBAC only (no access policies). main.bicep creates two: one for
// the Function App's host keys and the secrets the app cannot replace with an identity, and one
// that belongs to the Azure ML workspace. The app holds Secrets Officer on its own vault only, so it
// can neither read nor delete the workspace's secrets.
param location string
param tags object
param name string
@description('Purge protection cannot be turned off once on; leave false for environments that are torn down with azd down --purge.')
param enablePurgeProtection bool

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // The service rejects an explicit false, so the property is only sent when turning it on.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
