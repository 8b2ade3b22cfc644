// Code generated from glusterfs 10.3 events/eventskeygen.py ordering; classification is ours. DO NOT reorder.

package gfevent

// The event types, named as Gluster publishes them (VOLUME_START is VolumeStart).
const (
	PeerAttach                            Type = 0
	PeerDetach                            Type = 1
	VolumeCreate                          Type = 2
	VolumeStart                           Type = 3
	VolumeStop                            Type = 4
	VolumeDelete                          Type = 5
	VolumeSet                             Type = 6
	VolumeReset                           Type = 7
	BrickResetStart                       Type = 8
	BrickResetCommit                      Type = 9
	BrickReplace                          Type = 10
	GeorepCreate                          Type = 11
	GeorepStart                           Type = 12
	GeorepStop                            Type = 13
	GeorepPause                           Type = 14
	GeorepResume                          Type = 15
	GeorepDelete                          Type = 16
	GeorepConfigSet                       Type = 17
	GeorepConfigReset                     Type = 18
	BitrotEnable                          Type = 19
	BitrotDisable                         Type = 20
	BitrotScrubThrottle                   Type = 21
	BitrotScrubFreq                       Type = 22
	BitrotScrubOption                     Type = 23
	BitrotScrubOndemand                   Type = 24
	QuotaEnable                           Type = 25
	QuotaDisable                          Type = 26
	QuotaSetUsageLimit                    Type = 27
	QuotaSetObjectsLimit                  Type = 28
	QuotaRemoveUsageLimit                 Type = 29
	QuotaRemoveObjectsLimit               Type = 30
	QuotaAlertTime                        Type = 31
	QuotaSoftTimeout                      Type = 32
	QuotaHardTimeout                      Type = 33
	QuotaDefaultSoftLimit                 Type = 34
	SnapshotCreated                       Type = 35
	SnapshotCreateFailed                  Type = 36
	SnapshotActivated                     Type = 37
	SnapshotActivateFailed                Type = 38
	SnapshotDeactivated                   Type = 39
	SnapshotDeactivateFailed              Type = 40
	SnapshotSoftLimitReached              Type = 41
	SnapshotHardLimitReached              Type = 42
	SnapshotRestored                      Type = 43
	SnapshotRestoreFailed                 Type = 44
	SnapshotDeleted                       Type = 45
	SnapshotDeleteFailed                  Type = 46
	SnapshotCloned                        Type = 47
	SnapshotCloneFailed                   Type = 48
	SnapshotConfigUpdated                 Type = 49
	SnapshotConfigUpdateFailed            Type = 50
	SnapshotSchedulerInitialised          Type = 51
	SnapshotSchedulerInitFailed           Type = 52
	SnapshotSchedulerEnabled              Type = 53
	SnapshotSchedulerEnableFailed         Type = 54
	SnapshotSchedulerDisabled             Type = 55
	SnapshotSchedulerDisableFailed        Type = 56
	SnapshotSchedulerScheduleAdded        Type = 57
	SnapshotSchedulerScheduleAddFailed    Type = 58
	SnapshotSchedulerScheduleEdited       Type = 59
	SnapshotSchedulerScheduleEditFailed   Type = 60
	SnapshotSchedulerScheduleDeleted      Type = 61
	SnapshotSchedulerScheduleDeleteFailed Type = 62
	SvcManagerFailed                      Type = 63
	SvcReconfigureFailed                  Type = 64
	SvcConnected                          Type = 65
	SvcDisconnected                       Type = 66
	PeerStoreFailure                      Type = 67
	PeerRpcCreateFailed                   Type = 68
	PeerReject                            Type = 69
	PeerConnect                           Type = 70
	PeerDisconnect                        Type = 71
	PeerNotFound                          Type = 72
	UnknownPeer                           Type = 73
	BrickStartFailed                      Type = 74
	BrickStopFailed                       Type = 75
	BrickDisconnected                     Type = 76
	BrickConnected                        Type = 77
	BrickpathResolveFailed                Type = 78
	NotifyUnknownOp                       Type = 79
	QuorumLost                            Type = 80
	QuorumRegained                        Type = 81
	RebalanceStartFailed                  Type = 82
	RebalanceStatusUpdateFailed           Type = 83
	ImportQuotaConfFailed                 Type = 84
	ImportVolumeFailed                    Type = 85
	ImportBrickFailed                     Type = 86
	CompareFriendVolumeFailed             Type = 87
	NfsGaneshaExportFailed                Type = 88
	EcMinBricksNotUp                      Type = 89
	EcMinBricksUp                         Type = 90
	GeorepFaulty                          Type = 91
	GeorepCheckpointCompleted             Type = 92
	GeorepActive                          Type = 93
	GeorepPassive                         Type = 94
	QuotaCrossedSoftLimit                 Type = 95
	BitrotBadFile                         Type = 96
	ClientConnect                         Type = 97
	ClientAuthReject                      Type = 98
	ClientDisconnect                      Type = 99
	PosixSameGfid                         Type = 100
	PosixAlreadyPartOfVolume              Type = 101
	PosixBrickNotInVolume                 Type = 102
	PosixBrickVerificationFailed          Type = 103
	PosixAclNotSupported                  Type = 104
	PosixHealthCheckFailed                Type = 105
	AfrQuorumMet                          Type = 106
	AfrQuorumFail                         Type = 107
	AfrSubvolUp                           Type = 108
	AfrSubvolsDown                        Type = 109
	AfrSplitBrain                         Type = 110
	TierAttach                            Type = 111
	TierAttachForce                       Type = 112
	TierDetachStart                       Type = 113
	TierDetachStop                        Type = 114
	TierDetachCommit                      Type = 115
	TierDetachForce                       Type = 116
	TierPause                             Type = 117
	TierResume                            Type = 118
	TierWatermarkHi                       Type = 119
	TierWatermarkDroppedToMid             Type = 120
	TierWatermarkRaisedToMid              Type = 121
	TierWatermarkDroppedToLow             Type = 122
	VolumeAddBrick                        Type = 123
	VolumeAddBrickFailed                  Type = 124
	VolumeRemoveBrickStart                Type = 125
	VolumeRemoveBrickStartFailed          Type = 126
	VolumeRemoveBrickCommit               Type = 127
	VolumeRemoveBrickCommitFailed         Type = 128
	VolumeRemoveBrickStop                 Type = 129
	VolumeRemoveBrickStopFailed           Type = 130
	VolumeRemoveBrickForce                Type = 131
	VolumeRemoveBrickForceFailed          Type = 132
	VolumeRemoveBrickFailed               Type = 133
	VolumeRebalanceStart                  Type = 134
	VolumeRebalanceStop                   Type = 135
	VolumeRebalanceFailed                 Type = 136
	VolumeRebalanceComplete               Type = 137
	TierStart                             Type = 138
	TierStartForce                        Type = 139
	DhtDiskUsage                          Type = 140
	DhtInodesUsage                        Type = 141
)

// catalogue is indexed by [Type]. Ids are the positions in Gluster's eventskeygen.py
// keys list: never reorder, only append.
var catalogue = [...]Info{
	{Name: "PEER_ATTACH", Category: CategoryPeer, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "PEER_DETACH", Category: CategoryPeer, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_CREATE", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_START", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_STOP", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_DELETE", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_SET", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_RESET", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "BRICK_RESET_START", Category: CategoryBrick, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "BRICK_RESET_COMMIT", Category: CategoryBrick, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "BRICK_REPLACE", Category: CategoryBrick, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "GEOREP_CREATE", Category: CategoryGeorep, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "GEOREP_START", Category: CategoryGeorep, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "GEOREP_STOP", Category: CategoryGeorep, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "GEOREP_PAUSE", Category: CategoryGeorep, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "GEOREP_RESUME", Category: CategoryGeorep, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "GEOREP_DELETE", Category: CategoryGeorep, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "GEOREP_CONFIG_SET", Category: CategoryGeorep, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "GEOREP_CONFIG_RESET", Category: CategoryGeorep, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "BITROT_ENABLE", Category: CategoryBitrot, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "BITROT_DISABLE", Category: CategoryBitrot, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "BITROT_SCRUB_THROTTLE", Category: CategoryBitrot, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "BITROT_SCRUB_FREQ", Category: CategoryBitrot, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "BITROT_SCRUB_OPTION", Category: CategoryBitrot, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "BITROT_SCRUB_ONDEMAND", Category: CategoryBitrot, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "QUOTA_ENABLE", Category: CategoryQuota, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "QUOTA_DISABLE", Category: CategoryQuota, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "QUOTA_SET_USAGE_LIMIT", Category: CategoryQuota, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "QUOTA_SET_OBJECTS_LIMIT", Category: CategoryQuota, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "QUOTA_REMOVE_USAGE_LIMIT", Category: CategoryQuota, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "QUOTA_REMOVE_OBJECTS_LIMIT", Category: CategoryQuota, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "QUOTA_ALERT_TIME", Category: CategoryQuota, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "QUOTA_SOFT_TIMEOUT", Category: CategoryQuota, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "QUOTA_HARD_TIMEOUT", Category: CategoryQuota, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "QUOTA_DEFAULT_SOFT_LIMIT", Category: CategoryQuota, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "SNAPSHOT_CREATED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "SNAPSHOT_CREATE_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning},
	{Name: "SNAPSHOT_ACTIVATED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "SNAPSHOT_ACTIVATE_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning},
	{Name: "SNAPSHOT_DEACTIVATED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "SNAPSHOT_DEACTIVATE_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning},
	{Name: "SNAPSHOT_SOFT_LIMIT_REACHED", Category: CategorySnapshot, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "SNAPSHOT_HARD_LIMIT_REACHED", Category: CategorySnapshot, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "SNAPSHOT_RESTORED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "SNAPSHOT_RESTORE_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning},
	{Name: "SNAPSHOT_DELETED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "SNAPSHOT_DELETE_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning},
	{Name: "SNAPSHOT_CLONED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "SNAPSHOT_CLONE_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning},
	{Name: "SNAPSHOT_CONFIG_UPDATED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "SNAPSHOT_CONFIG_UPDATE_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning},
	{Name: "SNAPSHOT_SCHEDULER_INITIALISED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "SNAPSHOT_SCHEDULER_INIT_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "SNAPSHOT_SCHEDULER_ENABLED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "SNAPSHOT_SCHEDULER_ENABLE_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "SNAPSHOT_SCHEDULER_DISABLED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "SNAPSHOT_SCHEDULER_DISABLE_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "SNAPSHOT_SCHEDULER_SCHEDULE_ADDED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "SNAPSHOT_SCHEDULER_SCHEDULE_ADD_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "SNAPSHOT_SCHEDULER_SCHEDULE_EDITED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "SNAPSHOT_SCHEDULER_SCHEDULE_EDIT_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "SNAPSHOT_SCHEDULER_SCHEDULE_DELETED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "SNAPSHOT_SCHEDULER_SCHEDULE_DELETE_FAILED", Category: CategorySnapshot, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "SVC_MANAGER_FAILED", Category: CategoryDaemon, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "SVC_RECONFIGURE_FAILED", Category: CategoryDaemon, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "SVC_CONNECTED", Category: CategoryDaemon, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "SVC_DISCONNECTED", Category: CategoryDaemon, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "PEER_STORE_FAILURE", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityWarning},
	{Name: "PEER_RPC_CREATE_FAILED", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityWarning},
	{Name: "PEER_REJECT", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityWarning},
	{Name: "PEER_CONNECT", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityInfo},
	{Name: "PEER_DISCONNECT", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityWarning},
	{Name: "PEER_NOT_FOUND", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityWarning},
	{Name: "UNKNOWN_PEER", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityWarning},
	{Name: "BRICK_START_FAILED", Category: CategoryBrick, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "BRICK_STOP_FAILED", Category: CategoryBrick, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "BRICK_DISCONNECTED", Category: CategoryBrick, Scope: ScopeLocal, Severity: SeverityCritical},
	{Name: "BRICK_CONNECTED", Category: CategoryBrick, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "BRICKPATH_RESOLVE_FAILED", Category: CategoryBrick, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "NOTIFY_UNKNOWN_OP", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityWarning},
	{Name: "QUORUM_LOST", Category: CategoryQuorum, Scope: ScopeCluster, Severity: SeverityCritical},
	{Name: "QUORUM_REGAINED", Category: CategoryQuorum, Scope: ScopeCluster, Severity: SeverityInfo},
	{Name: "REBALANCE_START_FAILED", Category: CategoryRebalance, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "REBALANCE_STATUS_UPDATE_FAILED", Category: CategoryRebalance, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "IMPORT_QUOTA_CONF_FAILED", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityWarning},
	{Name: "IMPORT_VOLUME_FAILED", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityWarning},
	{Name: "IMPORT_BRICK_FAILED", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityWarning},
	{Name: "COMPARE_FRIEND_VOLUME_FAILED", Category: CategoryPeer, Scope: ScopeCluster, Severity: SeverityWarning},
	{Name: "NFS_GANESHA_EXPORT_FAILED", Category: CategoryNFS, Scope: ScopeLocal, Severity: SeverityWarning, Dead: true},
	{Name: "EC_MIN_BRICKS_NOT_UP", Category: CategoryEC, Scope: ScopeLocal, Severity: SeverityCritical},
	{Name: "EC_MIN_BRICKS_UP", Category: CategoryEC, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "GEOREP_FAULTY", Category: CategoryGeorep, Scope: ScopeLocal, Severity: SeverityCritical},
	{Name: "GEOREP_CHECKPOINT_COMPLETED", Category: CategoryGeorep, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "GEOREP_ACTIVE", Category: CategoryGeorep, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "GEOREP_PASSIVE", Category: CategoryGeorep, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "QUOTA_CROSSED_SOFT_LIMIT", Category: CategoryQuota, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "BITROT_BAD_FILE", Category: CategoryBitrot, Scope: ScopeLocal, Severity: SeverityCritical},
	{Name: "CLIENT_CONNECT", Category: CategoryClient, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "CLIENT_AUTH_REJECT", Category: CategoryClient, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "CLIENT_DISCONNECT", Category: CategoryClient, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "POSIX_SAME_GFID", Category: CategoryBrick, Scope: ScopeLocal, Severity: SeverityCritical},
	{Name: "POSIX_ALREADY_PART_OF_VOLUME", Category: CategoryBrick, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "POSIX_BRICK_NOT_IN_VOLUME", Category: CategoryBrick, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "POSIX_BRICK_VERIFICATION_FAILED", Category: CategoryBrick, Scope: ScopeLocal, Severity: SeverityCritical},
	{Name: "POSIX_ACL_NOT_SUPPORTED", Category: CategoryBrick, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "POSIX_HEALTH_CHECK_FAILED", Category: CategoryBrick, Scope: ScopeLocal, Severity: SeverityCritical},
	{Name: "AFR_QUORUM_MET", Category: CategoryQuorum, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "AFR_QUORUM_FAIL", Category: CategoryQuorum, Scope: ScopeLocal, Severity: SeverityCritical},
	{Name: "AFR_SUBVOL_UP", Category: CategoryHeal, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "AFR_SUBVOLS_DOWN", Category: CategoryHeal, Scope: ScopeLocal, Severity: SeverityCritical},
	{Name: "AFR_SPLIT_BRAIN", Category: CategoryHeal, Scope: ScopeLocal, Severity: SeverityCritical},
	{Name: "TIER_ATTACH", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_ATTACH_FORCE", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_DETACH_START", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_DETACH_STOP", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_DETACH_COMMIT", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_DETACH_FORCE", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_PAUSE", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_RESUME", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_WATERMARK_HI", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_WATERMARK_DROPPED_TO_MID", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_WATERMARK_RAISED_TO_MID", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_WATERMARK_DROPPED_TO_LOW", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "VOLUME_ADD_BRICK", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_ADD_BRICK_FAILED", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "VOLUME_REMOVE_BRICK_START", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_REMOVE_BRICK_START_FAILED", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "VOLUME_REMOVE_BRICK_COMMIT", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_REMOVE_BRICK_COMMIT_FAILED", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "VOLUME_REMOVE_BRICK_STOP", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_REMOVE_BRICK_STOP_FAILED", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "VOLUME_REMOVE_BRICK_FORCE", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_REMOVE_BRICK_FORCE_FAILED", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "VOLUME_REMOVE_BRICK_FAILED", Category: CategoryVolume, Scope: ScopeUser, Severity: SeverityWarning, Dead: true},
	{Name: "VOLUME_REBALANCE_START", Category: CategoryRebalance, Scope: ScopeUser, Severity: SeverityInfo},
	{Name: "VOLUME_REBALANCE_STOP", Category: CategoryRebalance, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "VOLUME_REBALANCE_FAILED", Category: CategoryRebalance, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "VOLUME_REBALANCE_COMPLETE", Category: CategoryRebalance, Scope: ScopeLocal, Severity: SeverityInfo},
	{Name: "TIER_START", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "TIER_START_FORCE", Category: CategoryTier, Scope: ScopeUser, Severity: SeverityInfo, Dead: true},
	{Name: "DHT_DISK_USAGE", Category: CategoryDistribute, Scope: ScopeLocal, Severity: SeverityWarning},
	{Name: "DHT_INODES_USAGE", Category: CategoryDistribute, Scope: ScopeLocal, Severity: SeverityWarning},
}
