// Event Hubs namespace for behaviour events (exposures, clicks, conversions) that feed the A/B
// aggregation. Standard tier, not Basic: Basic allows only the $Default consumer group, and the
// aggregation reads through its own consumer group so other readers can be added without
// sharing checkpoints. Standard is also needed for more than one day of retention.
param location string
param tags object
param namespaceName string
param hubName string
param consumerGroupName string
@minValue(1)
@maxValue(32)
param partitionCount int
@minValue(1)
@maxValue(7)
param messageRetentionInDays int

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: 1
  }
  properties: {
    // Entra ID only: shared access policies (connection strings) are rejected.
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    isAutoInflateEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: hubName
  properties: {
    partitionCount: partitionCount
    messageRetentionInDays: messageRetentionInDays
  }
}

resource consumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = {
  parent: hub
  name: consumerGroupName
}

output namespaceName string = namespace.name
// serviceBusEndpoint is 'https://<ns>.servicebus.windows.net:443/' in the public cloud; keep only the host.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
output hubName string = hub.name
output consumerGroupName string = consumerGroup.name
