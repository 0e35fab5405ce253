// A StorageV2 account that accepts Entra ID only, with the blob containers it is given. main.bicep
// creates two, so that what may change the app's code and what training jobs may touch never share
// an account:
//   - host storage ('sth'): AzureWebJobsStorage (leases, timers, Event Hubs checkpoints), the Durable
//     Functions task hub (queues, tables, blobs; the host creates them) and the deployment package
//     container. Only the Function App identity has data access.
//   - data storage ('st'): the data lake containers, the Azure ML workspace's default storage and its
//     datastores. Training jobs get roles on single containers of it (roles.bicep).
//
// Hierarchical namespace is OFF: Azure ML does not support HNS on a workspace's default storage
// account. The data lake containers use "/"-separated blob names, which the flat namespace serves as
// virtual folders.
param location string
param tags object
param name string
@description('Blob containers to create in the account.')
param containerNames string[]

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    isHnsEnabled: false
    // Entra ID only: no account keys, no SAS signed with them.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    // Recover from an accidental delete of a model, a dataset or a deployment package for a week.
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

output id string = account.id
output name string = account.name
// Without a trailing slash, as the app's Serverless__Storage__Blobs setting expects.
output blobEndpoint string = 'https://${account.name}.blob.${environment().suffixes.storage}'
output containerNames string[] = [for (containerName, i) in containerNames: containers[i].name]
