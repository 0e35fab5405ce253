// Log Analytics workspace and workspace-based Application Insights. Local (instrumentation-key)
// ingestion is off: the Function App authenticates with Entra ID and needs Monitoring Metrics
// Publisher on the component (granted in roles.bicep).
param location string
param tags object
param logAnalyticsName string
param applicationInsightsName string
@minValue(30)
@maxValue(730)
param retentionInDays int

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

output logAnalyticsId string = logAnalytics.id
output applicationInsightsId string = applicationInsights.id
output applicationInsightsName string = applicationInsights.name
// The connection string identifies the component; with local auth disabled it grants nothing by itself.
output applicationInsightsConnectionString string = applicationInsights.properties.ConnectionString
