// Function App on the Flex Consumption plan (Linux, scale to zero, per-function scaling).
// Runtime: .NET isolated worker on .NET 10.0, the newest version Flex Consumption runs. Flex does
// not take FUNCTIONS_WORKER_RUNTIME or FUNCTIONS_EXTENSION_VERSION app settings: the runtime is set
// in functionAppConfig and the host is always 4.x. Site settings Flex does not support (ftpsState,
// alwaysOn, the worker count, ...) are left out: tools/bicep/build.sh fails on ftpsState.
param location string
param tags object
param planName string
param appName string
param identityId string
@description('Blob container URL that holds the deployment package (https://<account>.blob.../<container>).')
param deploymentContainerUrl string
@description('App settings as name/value pairs; built in main.bicep from the other modules\' outputs.')
param appSettings object
@minValue(40)
@maxValue(1000)
@description('Most instances the app scales out to. Flex Consumption refuses values under 40.')
param maximumInstanceCount int
@minValue(0)
@maxValue(20)
@description('Always-ready instances of the Durable Functions scale group (orchestrators, activities, entities); 0 scales to zero.')
param durableAlwaysReadyInstances int
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int
@minValue(1)
@maxValue(1000)
@description('Concurrent HTTP requests per instance before Flex scales out.')
param httpPerInstanceConcurrency int

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings resolve with the same identity.
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        // Always-ready instances are billed all the time (docs/operations.md, cost at rest).
        alwaysReady: durableAlwaysReadyInstances == 0
          ? []
          : [
              {
                name: 'durable'
                instanceCount: durableAlwaysReadyInstances
              }
            ]
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: [
        for setting in items(appSettings): {
          name: setting.key
          value: setting.value
        }
      ]
    }
  }
}

// No publishing passwords: azd deploys with an Entra ID token.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
